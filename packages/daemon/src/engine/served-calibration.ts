import { fitLinearDrift, predictLinearDrift, type Measurement } from '@chronotick/tsfm';
import { extrapolate, projectionBendS, type Correction } from './correction';
import { twoSidedZ } from './normal';

/**
 * Calibration of what is served. Every few seconds the served estimate is noted (its
 * offset, its model σ, its drift, how long since the last measurement). Later, once
 * enough measurements have arrived *after* that instant, a reference is fitted to those
 * alone and read back at it: independent of everything the served estimate knew, and,
 * being an average of many measurements, far less noisy than any one of them — so the
 * noise of one measurement is not taken for error of the estimate. The scale that makes
 * the claimed intervals hold as often as they say is then fitted to the *quantiles* of
 * the errors (not to their variance, which one congested exchange would inflate), by
 * the age of the answer: an answer a minute after a measurement and one half an hour
 * into an outage are judged apart.
 */
export interface ServedSnapshot {
  /** Host time of the answer. */
  tS: number;
  offsetS: number;
  /** σ of the offset by the model alone (fit, drift), before calibration. */
  modelSigmaS: number;
  driftSPerS: number;
  driftSigmaSPerS: number;
  /** Seconds since the newest measurement the answer knew. */
  ageS: number;
  /** What each predictor claimed for the same instant (mean and its own σ), to score its claim too. */
  predictors?: Record<string, { meanS: number; sigmaS: number }>;
  /**
   * A projection (what get_time_with_future_uncertainty said of `tS`, earlier): scored
   * like any answer of its age, reported apart from what was served.
   */
  projected?: boolean;
}

/** Horizons projections are noted at, seconds: answers this old happen only in outages, projections every minute. */
const PROJECTION_HORIZONS_S = [600, 3600];

/**
 * What is served at `nowS` (offset, model σ, drift, age, and each predictor's claim), and
 * what a projection from now would say of a few instants ahead: the answers the
 * calibration is to score.
 */
export function snapshotsOf(c: Correction, nowS: number, predictors: ServedSnapshot['predictors']): ServedSnapshot[] {
  if (c.lastMeasurementS === null) return [];
  const ageS = nowS - c.lastMeasurementS;
  const at = (tS: number): { offsetS: number; modelSigmaS: number } => {
    const e = extrapolate(c, tS);
    return { offsetS: e.offsetS + projectionBendS(c, nowS, tS), modelSigmaS: e.sigmaS };
  };
  const drift = { driftSPerS: c.driftSPerS, driftSigmaSPerS: c.driftSigmaSPerS };
  return [
    { tS: nowS, ...at(nowS), ...drift, ageS, ...(predictors ? { predictors } : {}) },
    ...PROJECTION_HORIZONS_S.map((hS) => ({ tS: nowS + hS, ...at(nowS + hS), ...drift, ageS: ageS + hS, projected: true })),
  ];
}

/** Scales by the age of the answer: multipliers of the model σ. */
export interface ServedScales {
  /** Answers up to this age use `fresh`, older ones `stale`. */
  edgeAgeS: number;
  fresh: AgeScales;
  stale: AgeScales;
  /** Multiplier of the drift's model σ, fitted at 95%. */
  drift: number;
}

export interface AgeScales {
  /** Multiplier fitted so that ±1.96·s·σ holds 95% of the errors. */
  at95: number;
  /** ...and ±2.576·s·σ 99%. */
  at99: number;
}

/** What the record says, for the status. */
export interface ServedRecord {
  scored: number;
  /** Share of scored answers whose claimed 95% interval (as served) held the reference, over the last hour and day. */
  coverage95Hour: number | null;
  coverage95Day: number | null;
  /** Share whose drift's 95% interval held the drift measured over the next span. */
  driftCoverage95Day: number | null;
  /** The same for each predictor's own claim (its mean ± 1.96 of its stated σ). */
  predictors: Record<string, { coverage95Hour: number | null; coverage95Day: number | null }>;
  /** Share of projections (10 min and 1 h ahead) whose 95% interval held what arrived, over the last day. */
  projectedCoverage95Day: number | null;
}

/**
 * The scale before any record: twice the model's σ. The model knows the scatter of the
 * measurements, not what they all share (a path's or a host's timestamping bias: on
 * loopback against chronyd the error sat at 10 µs with the model claiming a third of
 * that), so until the record speaks the claim stays modest.
 */
const PRIOR_SCALE = 2;
const NEUTRAL: AgeScales = { at95: PRIOR_SCALE, at99: PRIOR_SCALE };
/** Measurements after an instant that its reference is fitted to, and how far they must reach. */
const REF_MEASUREMENTS = 12;
const REF_MIN_ROUNDS = 4;
/**
 * Snapshots kept per age class for fitting scales: a day at one a minute. A served
 * error persists for as long as the fit window spans (an hour or so), so an hour of
 * snapshots holds only a handful of independent errors: a scale fitted to it would
 * swing with them. A day's worth, and a pull towards the prior (PRIOR_SCALE) while
 * the record is short, keep the scale steady.
 */
const FIT_WINDOW = 1440;
/** Scored snapshots a scale needs before it is fitted at all... */
const MIN_SCORED = 30;
/** ...and the record length at which the fit and the model's own σ count equally (in log scale). */
const SHRINK_SCORED = 120;
/** Scored minutes the winner rule looks at, and the share of them a predictor must win. */
const WIN_WINDOW = 20;
const WIN_SHARE = 0.7;
/** Scales are refitted at most this often (host seconds): each fit reads the whole window. */
const REFIT_INTERVAL_S = 300;
/** Scales are bounded: the model σ is never claimed below a third of itself. */
const MIN_SCALE = 1 / 3;
const MAX_SCALE = 1000;
const HOUR_S = 3600;
const DAY_S = 86_400;

interface Scored {
  tS: number;
  ageS: number;
  errorS: number;
  modelSigmaS: number;
  refSigmaS: number;
  driftErrorSPerS: number;
  driftModelSigma: number;
  driftRefSigma: number;
  /** Held the reference within what was claimed when it was served. */
  heldAsServed: boolean;
  driftHeldAsServed: boolean;
  /** Per predictor: its claim held the reference. */
  predictorsHeld: Record<string, boolean>;
  /** Per predictor: closer to the reference than the linear fit was. */
  predictorsCloser: Record<string, boolean>;
  projected: boolean;
}

export class ServedCalibration {
  private pending: (ServedSnapshot & { claimed95S: number; claimedDrift95: number })[] = [];
  private scored: Scored[] = [];
  private scales: ServedScales;
  private lastFitS = -Infinity;
  /** The winners of the current record; recomputed when it changes (fusion asks every install). */
  private winners: Set<string> | null = null;

  constructor(
    /** Answers older than this (seconds since a measurement) are judged apart: it follows the poll cadence. */
    private readonly edgeAgeS: () => number,
  ) {
    this.scales = { edgeAgeS: edgeAgeS(), fresh: NEUTRAL, stale: NEUTRAL, drift: PRIOR_SCALE };
  }

  /** The scales in force. */
  current(): ServedScales {
    return this.scales;
  }

  /** Notes what is served at `snapshot.tS`, to be scored once measurements after it exist. */
  note(snapshot: ServedSnapshot): void {
    const s = this.scalesAt(snapshot.ageS);
    this.pending.push({
      ...snapshot,
      claimed95S: twoSidedZ(0.95) * s.at95 * snapshot.modelSigmaS,
      claimedDrift95: twoSidedZ(0.95) * this.scales.drift * snapshot.driftSigmaSPerS,
    });
  }

  /** Scores every noted answer whose reference the history now supports, and refits the scales. */
  score(history: readonly Measurement[]): void {
    if (this.pending.length === 0) return;
    const keep: typeof this.pending = [];
    let added = false;
    for (const p of this.pending) {
      const after = measurementsAfter(history, p.tS);
      if (after === null) {
        keep.push(p);
        continue;
      }
      const fit = fitLinearDrift(after, { maxSamples: REF_MEASUREMENTS });
      const ref = predictLinearDrift(fit, p.tS, { includeMeasurementNoise: false });
      const errorS = p.offsetS - ref.meanS;
      const driftErrorSPerS = p.driftSPerS - fit.driftSPerS;
      this.scored.push({
        tS: p.tS,
        ageS: p.ageS,
        errorS,
        modelSigmaS: p.modelSigmaS,
        refSigmaS: ref.sigmaS,
        driftErrorSPerS,
        driftModelSigma: p.driftSigmaSPerS,
        driftRefSigma: fit.driftSigmaSPerS,
        heldAsServed: Math.abs(errorS) <= Math.hypot(p.claimed95S, twoSidedZ(0.95) * ref.sigmaS),
        driftHeldAsServed: Math.abs(driftErrorSPerS) <= Math.hypot(p.claimedDrift95, twoSidedZ(0.95) * fit.driftSigmaSPerS),
        projected: p.projected === true,
        predictorsCloser: closerThanLinear(p.predictors ?? {}, ref.meanS),
        predictorsHeld: Object.fromEntries(
          Object.entries(p.predictors ?? {}).map(([name, c]) => [
            name,
            Math.abs(c.meanS - ref.meanS) <= twoSidedZ(0.95) * Math.hypot(c.sigmaS, ref.sigmaS),
          ]),
        ),
      });
      added = true;
    }
    this.pending = keep;
    if (!added) return;
    this.winners = null;
    const newestS = this.scored[this.scored.length - 1]?.tS ?? 0;
    this.scored = this.scored.filter((s) => s.tS > newestS - DAY_S);
    if (newestS - this.lastFitS < REFIT_INTERVAL_S) return;
    this.lastFitS = newestS;
    this.refit();
  }

  /**
   * The predictors winning against the linear fit now: closer than it to the reference
   * in at least WIN_SHARE of the last WIN_WINDOW scored minutes. A predictor that starts
   * to win consistently gets in within WIN_WINDOW scored minutes; one that stops is out
   * again as soon as its share of the window falls below WIN_SHARE (a few minutes of
   * losing). The paired test on single measurements, a stronger proof, still admits a
   * predictor by itself.
   */
  winning(): ReadonlySet<string> {
    this.winners ??= this.findWinners();
    return this.winners;
  }

  private findWinners(): Set<string> {
    const recent = this.scored.filter((s) => !s.projected).slice(-WIN_WINDOW);
    const out = new Set<string>();
    if (recent.length < WIN_WINDOW) return out;
    const names = new Set(recent.flatMap((s) => Object.keys(s.predictorsCloser)));
    for (const name of names) {
      const closer = recent.filter((s) => s.predictorsCloser[name] === true).length;
      if (closer >= WIN_SHARE * WIN_WINDOW) out.add(name);
    }
    return out;
  }

  /** The history was discarded (a step, a leap, a refuted restore): nothing noted can be scored. */
  dropPending(): void {
    this.pending = [];
  }

  record(nowS: number): ServedRecord {
    const share = (list: readonly Scored[], held: (s: Scored) => boolean): number | null =>
      list.length === 0 ? null : list.filter(held).length / list.length;
    const lastDay = this.scored.filter((s) => s.tS > nowS - DAY_S);
    const day = lastDay.filter((s) => !s.projected);
    const hour = day.filter((s) => s.tS > nowS - HOUR_S);
    const names = new Set(day.flatMap((s) => Object.keys(s.predictorsHeld)));
    const predictors = Object.fromEntries(
      [...names].map((name) => {
        const held = (s: Scored): boolean => s.predictorsHeld[name] === true;
        const has = (s: Scored): boolean => name in s.predictorsHeld;
        return [name, { coverage95Hour: share(hour.filter(has), held), coverage95Day: share(day.filter(has), held) }];
      }),
    );
    return {
      scored: this.scored.length,
      coverage95Hour: share(hour, (s) => s.heldAsServed),
      coverage95Day: share(day, (s) => s.heldAsServed),
      driftCoverage95Day: share(day, (s) => s.driftHeldAsServed),
      predictors,
      projectedCoverage95Day: share(
        lastDay.filter((s) => s.projected),
        (s) => s.heldAsServed,
      ),
    };
  }

  private scalesAt(ageS: number): AgeScales {
    return ageS <= this.scales.edgeAgeS ? this.scales.fresh : this.scales.stale;
  }

  private refit(): void {
    const edgeAgeS = this.edgeAgeS();
    const fresh = this.scored.filter((s) => s.ageS <= edgeAgeS).slice(-FIT_WINDOW);
    const stale = this.scored.filter((s) => s.ageS > edgeAgeS).slice(-FIT_WINDOW);
    const freshScales = fitAgeScales(fresh) ?? NEUTRAL;
    // Little is known of long ages until an outage has been scored: never claim them
    // surer than fresh answers are.
    const staleFit = fitAgeScales(stale);
    const staleScales = staleFit ?? freshScales;
    const drift = fitScale(
      this.scored
        .filter((s) => !s.projected)
        .slice(-FIT_WINDOW)
        .map((s) => ({ errorS: s.driftErrorSPerS, modelSigmaS: s.driftModelSigma, refSigmaS: s.driftRefSigma })),
      0.95,
    );
    this.scales = { edgeAgeS, fresh: freshScales, stale: staleScales, drift: drift ?? this.scales.drift };
  }
}

/** Which predictors were closer than the linear fit to the reference. */
function closerThanLinear(claims: Record<string, { meanS: number }>, refS: number): Record<string, boolean> {
  const linear = claims.linear;
  if (linear === undefined) return {};
  const linearErrorS = Math.abs(linear.meanS - refS);
  return Object.fromEntries(
    Object.entries(claims)
      .filter(([name]) => name !== 'linear')
      .map(([name, c]) => [name, Math.abs(c.meanS - refS) < linearErrorS]),
  );
}

function fitAgeScales(list: readonly Scored[]): AgeScales | null {
  const at95 = fitScale(list, 0.95);
  const at99 = fitScale(list, 0.99);
  if (at95 === null || at99 === null) return null;
  return { at95, at99: Math.max(at95, at99) };
}

/** A fitted scale pulled towards the prior by how short the record is. */
function shrunk(scale: number, scored: number): number {
  return Math.exp((Math.log(scale) * scored + Math.log(PRIOR_SCALE) * SHRINK_SCORED) / (scored + SHRINK_SCORED));
}

/**
 * The smallest scale s for which ±z·√((s·σ_model)² + σ_ref²) holds a `coverage` share of
 * the errors: the reference's own σ is known from its fit and taken out this way, not
 * subtracted from a variance. Null with too few scored answers.
 */
interface ScaleInput {
  errorS: number;
  modelSigmaS: number;
  refSigmaS: number;
}

function fitScale(list: readonly ScaleInput[], coverage: number): number | null {
  if (list.length < MIN_SCORED) return null;
  return shrunk(fitRaw(list, coverage), list.length);
}

function fitRaw(list: readonly ScaleInput[], coverage: number): number {
  const z = twoSidedZ(coverage);
  // The reference's σ is an estimate from a dozen measurements, a little short on
  // average (Student's t would say so); left uncorrected, that shortfall is blamed on
  // the served answer. It is left so on purpose: on a wandering clock the reference
  // (a line through the measurements after an instant) and the served answer (a line
  // through those before it) err to the same side, which hides error instead. In the
  // simulator the two nearly cancel; corrected, coverage fell to 0.82 on temperature
  // wander.
  const held = (s: number): number =>
    list.filter((x) => Math.abs(x.errorS) <= Math.hypot(z * s * x.modelSigmaS, z * x.refSigmaS)).length / list.length;
  if (held(MIN_SCALE) >= coverage) return MIN_SCALE;
  if (held(MAX_SCALE) < coverage) return MAX_SCALE;
  let lo = MIN_SCALE;
  let hi = MAX_SCALE;
  // Bisection in log space: the scale spans orders of magnitude.
  for (let i = 0; i < 40; i++) {
    const mid = Math.sqrt(lo * hi);
    if (held(mid) >= coverage) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The first REF_MEASUREMENTS measurements after `tS`, when they span at least
 * REF_MIN_ROUNDS distinct rounds; null while they do not exist yet.
 */
function measurementsAfter(history: readonly Measurement[], tS: number): Measurement[] | null {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((history[mid] as Measurement).tS <= tS) lo = mid + 1;
    else hi = mid;
  }
  const after = history.slice(lo, lo + REF_MEASUREMENTS);
  if (after.length < REF_MEASUREMENTS) return null;
  let rounds = 1;
  for (let i = 1; i < after.length; i++) if ((after[i] as Measurement).tS - (after[i - 1] as Measurement).tS > 1) rounds++;
  return rounds >= REF_MIN_ROUNDS ? after : null;
}
