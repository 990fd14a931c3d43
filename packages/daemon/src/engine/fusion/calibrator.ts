import { measurementNoise, type NoisyMeasurement } from './noise';

/**
 * Online calibration: each source's σ is what it actually achieved, not what it
 * claimed. Every prediction is scored against the measurement that later arrives for
 * the same instant. Measurements are noisy, and on a good clock the noise is far larger
 * than a good predictor's error, so the raw RMS would mostly measure the network. The
 * calibration therefore takes each measurement's own noise out (see
 * {@link measurementNoise}) and leans on the quiet measurements, the ones with little
 * excess delay, which say the most about how far a prediction was from the truth.
 */
export interface CalibrationSettings {
  /** Recent measurements kept: at least this many (more under `minSpanS`). */
  window: number;
  /**
   * Beyond `window`, as many as the last `minSpanS` seconds hold, up to `maxWindow`. At
   * a dense poll (three servers every 16 s) 64 measurements are five minutes, too few
   * for the paired test to tell a model from the fit it beats by half: the fit kept a
   * third of the weight while three times worse. An hour, where 64 measurements are
   * twenty minutes (three servers every 64 s): the record leans on the few quiet
   * exchanges, and twenty minutes hold too few of them to see a filter err a third of
   * what the fit does (ntp_outage_30min seed 2, per 30 min: the filter 16–42 µs rms
   * against the truth, the fit 60–138, while their calibrated √MSE read 93–117 and
   * 105–174), so the fit kept up to half the weight. With an hour, served p95 µs at a
   * 64 s poll, s1–6: ntp_outage_30min 114,117,100,145,124,129 → 114,84,95,132,110,93;
   * temperature_wander 158,152,165,200,200,188 → 146,151,169,208,186,170; steady_quartz
   * 66,101,102,143,116,92 → 64,96,93,126,100,83. At a poll faster than about 42 s with
   * three servers, `maxWindow` caps the record short of the hour (23 minutes at 16 s).
   */
  minSpanS: number;
  /** The most measurements kept, however dense the poll. */
  maxWindow: number;
  /** Measurements over which the path's minimum delay is remembered (longer than the window). */
  delayMemory: number;
  /**
   * The record's first seconds, while every source converges from nothing (the fit on a
   * handful of points, the filter from its diffuse start), are left out once enough came
   * after them: they rank how fast each source starts, not how well it predicts. A filter
   * that erred 382 µs in its first five minutes against the fit's 216, then 43–75 against
   * 104–108, kept no weight for twenty minutes while they ruled its record.
   */
  burnInS: number;
  /** Scored predictions a source needs before its record counts. */
  minScored: number;
  /** One error counts at most this many of its σ: a clock step must not rule the window. */
  clipSigmas: number;
  /**
   * This many newest rounds of errors beyond `outlierSigmas`, on one side, mean the
   * source is broken. Rounds, not measurements: a round's replies share one congestion
   * event. With several servers a step is thus seen one poll later than one reply at a
   * time would see it, about when the linear fit restarts at the step by itself.
   */
  outlierRun: number;
  outlierSigmas: number;
}

export const DEFAULT_CALIBRATION: CalibrationSettings = {
  window: 64,
  minSpanS: 3600,
  maxWindow: 256,
  delayMemory: 1024,
  burnInS: 300,
  minScored: 8,
  clipSigmas: 5,
  outlierRun: 2,
  outlierSigmas: 4,
};

/** What the record says about one source. */
export interface PredictorRecord {
  /** Predictions scored in the window. */
  scored: number;
  /** Mean squared error about the true offset (measurement noise taken out), s²; ≥ 0. */
  truthMseS2: number;
  /** Its squared error minus the baseline's, on the same measurements. */
  vsBaseline: Paired | null;
  /** Its newest errors are far outside what it achieves: a step it has not followed, a failure. */
  broken: boolean;
}

/** A paired comparison: mean of e_a² − e_b² on the same measurements, and its standard error, s². */
export interface Paired {
  meanS2: number;
  seS2: number;
}

/** The calibration's verdict at one moment. */
export interface Assessment {
  predictors: Record<string, PredictorRecord>;
  /** Noise variance of a typical measurement, s². */
  noiseS2: number;
  /** How much worse `a` was than `b` on the same measurements; null when they share too few. */
  paired(a: string, b: string): Paired | null;
  /**
   * Mean squared gap between `a`'s and `b`'s predictions on the same measurements, s²
   * (weighted as the records are): how far apart they run, with no measurement noise in
   * it. Null when they share too few.
   */
  gapS2(a: string, b: string): number | null;
}

interface Entry extends NoisyMeasurement {
  /** Per source: measured − predicted, seconds. */
  errors: Record<string, number>;
  /** How far ahead the predictions reached: from the newest measurement they knew, seconds. */
  leadS: number;
}

/** The smallest MSE calibration states: (1 µs)². */
const MIN_MSE_S2 = 1e-12;
/** τ² in the weights is at least this fraction of the median measurement's noise variance. */
const WEIGHT_FLOOR = 0.1;
/** Two predictions whose newest known measurement lies closer than this belong to one round, s. */
const ROUND_TOLERANCE_S = 1e-3;
/** A source's MSE is claimed no smaller than this many standard errors of its estimate. */
const RESOLUTION = 1;

export class Calibrator {
  private entries: Entry[] = [];
  /** Per server, delays of its last `delayMemory` measurements, for its path's minimum. */
  private delays = new Map<string, number[]>();
  /** The last assessment, until the record changes (status, fusion and stats all ask). */
  private cached: { baseline: string; assessment: Assessment | null } | null = null;
  /** When the record started (its first measurement), for the burn-in; null before it has. */
  private startedS: number | null = null;

  constructor(private readonly settings: CalibrationSettings = DEFAULT_CALIBRATION) {}

  /**
   * Scores each source's prediction (`predictedS` by source) against a measurement that
   * just arrived; `leadS` is how far ahead of their newest measurement they predicted.
   */
  score(measurement: NoisyMeasurement, predictedS: Record<string, number>, leadS: number): void {
    const errors: Record<string, number> = {};
    for (const [source, p] of Object.entries(predictedS)) if (Number.isFinite(p)) errors[source] = measurement.offsetS - p;
    this.cached = null;
    const { tS, offsetS, delayS, server } = measurement;
    this.startedS ??= tS;
    this.entries.push({ tS, offsetS, delayS, server, errors, leadS });
    this.entries = this.kept(this.entries);
    if (delayS !== null) {
      const list = this.delays.get(server) ?? [];
      list.push(delayS);
      if (list.length > this.settings.delayMemory) list.shift();
      this.delays.set(server, list);
    }
  }

  scored(source: string): number {
    return this.entries.filter((e) => source in e.errors).length;
  }

  /** Plain RMS of the recent errors against the measurements (noise included); null until enough were scored. */
  rmsS(source: string): number | null {
    const errors = this.entries.flatMap((e) => (source in e.errors ? [e.errors[source] as number] : []));
    if (errors.length < this.settings.minScored) return null;
    return Math.sqrt(errors.reduce((sum, e) => sum + e * e, 0) / errors.length);
  }

  /**
   * Every scored source's record, with `baseline` as the reference of the paired
   * comparisons. Null until the window holds enough measurements to tell noise from
   * error. A measurement joins the estimates once the next one has arrived, because
   * its noise is read from its neighbours.
   */
  assess(baseline: string): Assessment | null {
    if (this.cached?.baseline !== baseline) this.cached = { baseline, assessment: this.assessNow(baseline) };
    return this.cached.assessment;
  }

  private assessNow(baseline: string): Assessment | null {
    const entries = this.settled(this.comparable());
    if (!this.enoughForRecord(entries)) return null;
    const pathMin = new Map([...this.delays].map(([server, list]) => [server, Math.min(...list)]));
    const noise = measurementNoise(entries, pathMin);
    const inner = entries.slice(1, -1).map((entry, i) => ({ entry, noiseS2: noise.varianceS2[i + 1] as number }));
    // The weights depend on the error being estimated (1/(τ² + v)², τ² the baseline's
    // MSE): a few rounds from the noise level settle it.
    // τ² never falls below a fraction of the typical noise: otherwise the single
    // quietest measurement would take all the weight, and its luck would be the verdict.
    const sortedNoise = inner.map((x) => x.noiseS2).sort((a, b) => a - b);
    const tauFloor = Math.max(MIN_MSE_S2, WEIGHT_FLOOR * (sortedNoise[sortedNoise.length >> 1] as number));
    let tau2 = sortedNoise.reduce((sum, v) => sum + v, 0) / sortedNoise.length;
    for (let round = 0; round < 3; round++) {
      const base = this.truthMse(inner, baseline, tau2);
      if (base === null) break;
      tau2 = Math.max(base.meanS2, tauFloor);
    }
    const predictors: Record<string, PredictorRecord> = {};
    const names = new Set(entries.flatMap((e) => Object.keys(e.errors)));
    for (const source of names) {
      const own = this.truthMse(inner, source, tau2);
      if (own === null) continue;
      // An estimate within its own standard error of zero says only "below the
      // resolution": the resolution is what is claimed.
      const truthMseS2 = Math.max(own.meanS2, RESOLUTION * own.seS2, MIN_MSE_S2);
      predictors[source] = {
        scored: own.n,
        truthMseS2,
        vsBaseline: source === baseline ? { meanS2: 0, seS2: 0 } : this.truthMse(inner, source, tau2, baseline),
        broken: this.isBroken(entries, source, truthMseS2, noise.varianceS2),
      };
    }
    // Fusion asks for the same pairs at every instant it fuses (now, a drift span on,
    // each projection point): each is worked out once per assessment.
    const pairs = new Map<string, Paired | null>();
    const paired = (a: string, b: string): Paired | null => {
      const key = `${a}\u0000${b}`;
      if (!pairs.has(key)) pairs.set(key, this.truthMse(inner, a, tau2, b));
      return pairs.get(key) ?? null;
    };
    const gaps = new Map<string, number | null>();
    const gapS2 = (a: string, b: string): number | null => {
      const key = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
      if (!gaps.has(key)) gaps.set(key, this.meanSquaredGap(inner, a, b, tau2));
      return gaps.get(key) ?? null;
    };
    return { predictors, noiseS2: noise.typicalS2, paired, gapS2 };
  }

  /** Weighted mean of (e_a − e_b)², the weights as in {@link truthMse}; the measurement cancels. */
  private meanSquaredGap(inner: readonly { entry: Entry; noiseS2: number }[], a: string, b: string, tau2: number): number | null {
    let sumW = 0;
    let sum = 0;
    let n = 0;
    for (const { entry, noiseS2 } of inner) {
      const ea = entry.errors[a];
      const eb = entry.errors[b];
      if (ea === undefined || eb === undefined) continue;
      const w = 1 / (tau2 + noiseS2) ** 2;
      sumW += w;
      sum += w * (ea - eb) ** 2;
      n++;
    }
    return n < this.settings.minScored ? null : sum / sumW;
  }

  /**
   * Weighted mean of e² − v over the measurements (or, with `minus`, of e² − e_minus²,
   * where the noise cancels), each error clipped at `clipSigmas`. Weights 1/(τ² + v)²
   * are the inverse variances of e²: quiet measurements count most.
   */
  private truthMse(
    inner: readonly { entry: Entry; noiseS2: number }[],
    source: string,
    tau2: number,
    minus?: string,
  ): { meanS2: number; seS2: number; n: number } | null {
    const clip2 = this.settings.clipSigmas ** 2;
    const terms: { w: number; y: number }[] = [];
    for (const { entry, noiseS2 } of inner) {
      const e = entry.errors[source];
      const b = minus === undefined ? 0 : entry.errors[minus];
      if (e === undefined || b === undefined) continue;
      const limit = clip2 * (tau2 + noiseS2);
      const y = Math.min(e * e, limit) - (minus === undefined ? noiseS2 : Math.min(b * b, limit));
      terms.push({ w: 1 / (tau2 + noiseS2) ** 2, y });
    }
    if (terms.length < this.settings.minScored) return null;
    const sumW = terms.reduce((s, t) => s + t.w, 0);
    const meanS2 = terms.reduce((s, t) => s + t.w * t.y, 0) / sumW;
    const spread = terms.reduce((s, t) => s + (t.w * (t.y - meanS2)) ** 2, 0);
    return { meanS2, seS2: Math.sqrt(spread) / sumW, n: terms.length };
  }

  /**
   * The entries that speak for the present: those predicted at least half as far ahead
   * as the newest ones. A prediction a quarter second ahead (warm-up polling) says
   * little about one ten seconds ahead, so when polling slows the record starts over;
   * and a prediction with almost no lead (a second server's reply in the same instant)
   * is left out wherever it sits, not taken for the start of a new record.
   */
  private comparable(): Entry[] {
    // The upper quartile of the newest rounds' leads, one per round (the replies of one
    // round share theirs, so a round of many servers after a gap counts once): robust
    // to one long gap, and not pulled to zero when same-instant replies are common.
    const leads = newestRounds(this.entries, this.settings.minScored).map(({ to }) => (this.entries[to] as Entry).leadS);
    const typical = leads.sort((a, b) => a - b)[Math.floor(leads.length * 0.75)] ?? 0;
    return this.entries.filter((e) => e.leadS >= typical / 2);
  }

  /** Entries past the burn-in, when there are enough of them for a record; else all. */
  private settled(entries: Entry[]): Entry[] {
    const fromS = (this.startedS ?? -Infinity) + this.settings.burnInS;
    const after = entries.filter((e) => e.tS >= fromS);
    return this.enoughForRecord(after) ? after : entries;
  }

  /** Enough entries for a record: `minScored` inner ones, as each entry's noise is read from its two neighbours. */
  private enoughForRecord(entries: readonly Entry[]): boolean {
    return entries.length >= this.settings.minScored + 2;
  }

  /**
   * Broken: the newest `outlierRun` rounds all missed by more than `outlierSigmas`, on
   * one side. A round is the measurements that arrived together (several servers
   * polled at once); they share one congestion event, so it counts once: a single bad
   * moment of the network must not pass for a source gone wrong.
   */
  private isBroken(entries: readonly Entry[], source: string, truthMseS2: number, noiseS2: readonly number[]): boolean {
    const { outlierRun, outlierSigmas } = this.settings;
    const rounds = newestRounds(entries, outlierRun);
    if (rounds.length < outlierRun) return false;
    const from = (rounds[rounds.length - 1] as Round).from;
    const errors = entries.slice(from).map((entry) => entry.errors[source]);
    const side = Math.sign(errors[0] ?? 0);
    return errors.every(
      (e, k) =>
        e !== undefined && Math.sign(e) === side && Math.abs(e) > outlierSigmas * Math.sqrt(truthMseS2 + (noiseS2[from + k] as number)),
    );
  }

  /** Plain data for the state file. */
  snapshot(): { entries: Entry[]; delays: Record<string, number[]>; startedS?: number } {
    return {
      ...(this.startedS !== null && Number.isFinite(this.startedS) ? { startedS: this.startedS } : {}),
      entries: this.entries.map((e) => ({ ...e, errors: { ...e.errors } })),
      delays: Object.fromEntries([...this.delays].map(([server, list]) => [server, [...list]])),
    };
  }

  /** Restores a snapshot; anything else (an older format, damage) is ignored. */
  restore(saved: unknown): void {
    const { entries, delays, startedS } = (saved ?? {}) as { entries?: unknown; delays?: unknown; startedS?: unknown };
    if (!Array.isArray(entries) || typeof delays !== 'object' || delays === null) return;
    const lists = Object.entries(delays as Record<string, unknown>);
    const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
    const plausible = (x: unknown): x is number => finite(x) && x >= 0;
    if (!entries.every(isEntry) || !lists.every(([, list]) => Array.isArray(list) && list.every(plausible))) return;
    this.cached = null;
    // A record saved without its start (an older daemon's) is taken as long settled.
    this.startedS = finite(startedS) ? startedS : -Infinity;
    this.entries = this.kept(entries);
    this.delays = new Map(lists.map(([server, list]) => [server, (list as number[]).slice(-this.settings.delayMemory)]));
  }

  /** The newest entries the record keeps: `window`, or more while they span no more than `minSpanS`, up to `maxWindow`. */
  private kept(entries: Entry[]): Entry[] {
    const { window, minSpanS, maxWindow } = this.settings;
    const newestS = entries[entries.length - 1]?.tS ?? 0;
    let from = Math.max(0, entries.length - maxWindow);
    while (entries.length - from > window && newestS - (entries[from] as Entry).tS > minSpanS) from++;
    return from === 0 ? entries : entries.slice(from);
  }

  forget(): void {
    this.cached = null;
    this.startedS = null;
    this.entries = [];
    this.delays = new Map();
  }
}

/** A round: entries[from..to], the measurements predicted from one newest measurement. */
interface Round {
  from: number;
  to: number;
}

/** The newest `count` rounds of time-ordered entries (fewer if there are not so many), newest first. */
function newestRounds(entries: readonly Entry[], count: number): Round[] {
  const basis = (e: Entry): number => e.tS - e.leadS;
  const rounds: Round[] = [];
  for (let to = entries.length - 1; to >= 0 && rounds.length < count;) {
    let from = to;
    while (from > 0 && Math.abs(basis(entries[from - 1] as Entry) - basis(entries[to] as Entry)) < ROUND_TOLERANCE_S) from--;
    rounds.push({ from, to });
    to = from - 1;
  }
  return rounds;
}

function isEntry(value: unknown): value is Entry {
  const e = value as Partial<Entry> | null;
  const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
  return (
    e !== null &&
    typeof e === 'object' &&
    finite(e.tS) &&
    finite(e.offsetS) &&
    finite(e.leadS) &&
    (e.leadS as number) >= 0 &&
    typeof e.server === 'string' &&
    (e.delayS === null || finite(e.delayS)) &&
    typeof e.errors === 'object' &&
    e.errors !== null &&
    Object.values(e.errors).every(finite)
  );
}
