import type { Forecast, Measurement, SyncForecaster } from '@chronotick/tsfm';
import { extrapolate, servedSource, type Correction, type ProjectedOffset } from './correction';
import { Calibrator, type Assessment } from './fusion/calibrator';
import { DEFAULT_RULES, fusePredictions, servedMseS2, staleSigmaS, type FusionRules, type Prediction } from './fusion/fuse';

/** The two model roles: a short-term model run often, a long-term one run rarely. */
export type ModelRole = 'short_term' | 'long_term';
export const MODEL_ROLES: readonly ModelRole[] = ['short_term', 'long_term'];

/**
 * The statistical predictors, always on: the linear fit the daemon serves, a Kalman
 * filter, and the newest measurement held (which alone follows a step of the clock at once).
 */
export const LINEAR = 'linear';
export const KALMAN = 'kalman';
export const HOLD_LAST = 'hold_last';
export const STATISTICAL = [LINEAR, KALMAN, HOLD_LAST] as const;
/** The key the fused answers are calibrated under. */
export const FUSED = 'fusion';

/** Fused drift is read over this span from the fused offsets, seconds. */
const DRIFT_SPAN_S = 10;

/** A model's forecast kept between runs: offsets at future host instants. */
interface StoredForecast {
  madeAtS: number;
  points: { tS: number; meanS: number; sigmaS: number }[];
}

export interface PredictorSettings {
  maxDriftPpm: number;
  /** fusion.enabled false: serve the single predictor with the best record. */
  fusionEnabled: boolean;
  /** fusion.method linear: serve the linear fit alone. */
  fusionMethod: 'inverse_variance' | 'linear';
  /** A predictor whose calibrated σ exceeds this gets no weight, seconds. */
  maxSigmaS: number;
  /** Seconds between runs of each model: a forecast much older than that is stale. */
  scheduleS: Record<ModelRole, number>;
  rules?: Omit<FusionRules, 'maxSigmaS' | 'baseline'>;
}

/**
 * Everything that predicts the offset, and their calibrated fusion: the statistical
 * predictors, updated every round, and the models' latest forecasts. Each predictor's
 * past predictions are scored against the measurements that arrive later; that record,
 * not the predictor's claim, sets its weight. Pure: given instants, never reads a clock.
 */
export class Predictors {
  readonly calibrator = new Calibrator();
  private readonly forecasts = new Map<ModelRole, StoredForecast>();
  private kalmanPoint: { tS: number; meanS: number; sigmaS: number; driftSPerS: number; driftSigmaSPerS: number } | undefined;
  private newest: Measurement | undefined;
  private lastWeights: Record<string, number> = {};
  /**
   * The predictors in line in the last fusion. Not those with weight: when the record
   * shows one member leading another that follows the same noise, the lagging one's
   * share is 0, yet it stays in line (an incumbent) for when the lead turns.
   */
  private lastInLine = new Set<string>();

  constructor(
    private readonly settings: PredictorSettings,
    private readonly kalman: SyncForecaster,
  ) {}

  /** Keeps a model's newest forecast, made at `madeAtS`. */
  setForecast(role: ModelRole, forecast: Forecast, madeAtS: number): void {
    this.forecasts.set(role, { madeAtS, points: forecast.points.map((p) => ({ tS: p.tS, meanS: p.meanS, sigmaS: p.sigmaS })) });
  }

  /** Runs the Kalman filter over the history (cheap; once per NTP round). */
  updateStatistical(history: readonly Measurement[], nowS: number): void {
    this.newest = history[history.length - 1];
    if (history.length < 2) return;
    const f = this.kalman.forecast(history, [nowS, nowS + DRIFT_SPAN_S]);
    const [a, b] = f.points;
    if (a && b) {
      const driftSPerS = (b.meanS - a.meanS) / DRIFT_SPAN_S;
      this.kalmanPoint = { tS: nowS, meanS: a.meanS, sigmaS: a.sigmaS, driftSPerS, driftSigmaSPerS: f.drift?.sigmaSPerS ?? 0 };
    }
  }

  /**
   * Scores every predictor's standing prediction against measurements that just
   * arrived; call before they join the history, so no predictor has seen them.
   * `servedOffsetAt` is what the daemon served (the fused answer's own record);
   * `knownUntilS` the newest measurement the predictions knew.
   */
  observe(fresh: readonly Measurement[], base: Correction, servedOffsetAt: (tS: number) => number, knownUntilS: number | null): void {
    for (const m of fresh) {
      const predictedS = Object.fromEntries(this.predictionsAt(m.tS, base).map((p) => [p.predictor, p.meanS]));
      predictedS[FUSED] = servedOffsetAt(m.tS);
      const measured = { tS: m.tS, offsetS: m.offsetS, delayS: m.delayS, server: m.server ?? '' };
      this.calibrator.score(measured, predictedS, knownUntilS === null ? 0 : m.tS - knownUntilS);
    }
  }

  /** Forgets every forecast and the whole calibration: nothing predicted from a discarded history holds. */
  reset(): void {
    this.kalmanPoint = undefined;
    this.newest = undefined;
    this.forecasts.clear();
    this.calibrator.forget();
    this.remember({});
  }

  /** When each model's forecast in use was made; null when it has none. */
  forecastMadeAtS(role: ModelRole): number | null {
    return this.forecasts.get(role)?.madeAtS ?? null;
  }

  /** What each predictor that states a σ claims for host time `nowS`: its mean and σ. */
  claimsAt(base: Correction, nowS: number): Record<string, { meanS: number; sigmaS: number }> {
    const out: Record<string, { meanS: number; sigmaS: number }> = {};
    for (const p of this.predictionsAt(nowS, base)) {
      if (p.claimedSigmaS !== null && Number.isFinite(p.meanS))
        out[p.predictor] = { meanS: p.meanS, sigmaS: Math.hypot(p.claimedSigmaS, p.extraSigmaS ?? 0) };
    }
    return out;
  }

  /**
   * Each predictor's prediction of the offset at host time `tS`, as known at `nowS` (a
   * model's forecast is as stale as it is old now, however far ahead `tS` lies). With
   * `withinHorizon`, a model whose forecast does not reach `tS` is left out rather than
   * carried on along its last segment.
   */
  private predictionsAt(tS: number, base: Correction, nowS = tS, withinHorizon = false): Prediction[] {
    const { maxDriftPpm } = this.settings;
    // Each line's claim grows with its drift's σ; the holdover bound, common to all, is
    // the answer's to add.
    const out: Prediction[] = [{ predictor: LINEAR, meanS: extrapolate(base, tS).offsetS, claimedSigmaS: linearSigmaAt(base, tS) }];
    const k = this.kalmanPoint;
    if (k) {
      const dtS = tS - k.tS;
      out.push({ predictor: KALMAN, meanS: k.meanS + k.driftSPerS * dtS, claimedSigmaS: Math.hypot(k.sigmaS, k.driftSigmaSPerS * dtS) });
    }
    if (this.newest) out.push({ predictor: HOLD_LAST, meanS: this.newest.offsetS, claimedSigmaS: null });
    for (const [role, forecast] of this.forecasts) {
      if (withinHorizon && !(tS <= (forecast.points.at(-1)?.tS ?? -Infinity))) continue;
      const point = interpolate(forecast, tS);
      if (!point) continue;
      const stale = staleSigmaS(nowS - forecast.madeAtS, this.settings.scheduleS[role], maxDriftPpm);
      out.push({ predictor: role, meanS: point.meanS, claimedSigmaS: point.sigmaS, extraSigmaS: stale });
    }
    return out;
  }

  /**
   * The fused forecast at the long-term model's future instants (beyond the drift span),
   * for projections. Records were earned about one poll ahead, so each predictor's σ
   * also grows by what it itself claims between now and then; the newest measurement
   * held makes no forecast and takes no part. Empty when that model has no forecast.
   */
  private projection(base: Correction, nowS: number, assessment: Assessment | null, rules: FusionRules): ProjectedOffset[] {
    const forecast = this.forecasts.get('long_term');
    if (!forecast) return [];
    const claimNow = new Map(this.predictionsAt(nowS, base).map((p) => [p.predictor, p.claimedSigmaS]));
    const out: ProjectedOffset[] = [];
    for (const { tS } of forecast.points) {
      if (tS <= nowS + DRIFT_SPAN_S) continue;
      const ahead = this.predictionsAt(tS, base, nowS, true).flatMap((p) => {
        const before = claimNow.get(p.predictor) ?? null;
        if (p.claimedSigmaS === null || before === null) return [];
        const growthS = Math.sqrt(Math.max(0, p.claimedSigmaS ** 2 - before ** 2));
        return [{ ...p, extraSigmaS: Math.hypot(p.extraSigmaS ?? 0, growthS) }];
      });
      const fused = fusePredictions(ahead, assessment, rules, FUSED);
      if (fused) out.push({ tS, offsetS: fused.meanS });
    }
    return out;
  }

  /**
   * The correction to serve: the fused offset now, the fused drift over the next few
   * seconds, the fused σ. Falls back to `base` (the linear fit) when nothing qualifies.
   * The σ served is never below the fit's own: that one also carries the NTP bound's
   * share, the path asymmetry no measurement can reveal and no calibration can see.
   */
  fuse(base: Correction, nowS: number, winning: ReadonlySet<string> = new Set()): Correction {
    if (!this.settings.fusionEnabled) return this.bestSingle(base, nowS);
    if (this.settings.fusionMethod === 'linear') return this.linearAlone(base);
    // The short-term model keeps a place it earned (fuse.ts, `incumbents`): its lead over
    // the fit comes and goes with what it follows (a temperature cycle's turn). The
    // Kalman filter is in line from its first record unless significantly worse: it is
    // the fit's generalisation, and the shared-error weights give it its share. Its lead
    // is steady but small against a record scored on noisy measurements (it weighs the
    // quiet exchanges by their delay where the fit floors them at the median, ~0.6× the
    // fit's error on internet paths), and the paired test sees that only now and then.
    // ntp_outage_30min s1-6 served p95: admitted once significant 149-271 µs; kept in
    // once admitted 130-175; in from its first record, with the shared-error weights,
    // 110-156 (0.50-0.67× the fit).
    // The long-term model's lead is chance, and kept in it costs a wider σ and a noisier
    // answer (ares11-2h MAE 2.34 ms against 2.25; poll_sparse seed 2's [earliest,
    // latest] held 0.959 against 0.976).
    const shortTerm: ModelRole = 'short_term';
    const incumbents = new Set([KALMAN, ...(this.lastInLine.has(shortTerm) ? [shortTerm] : [])]);
    const rules: FusionRules = {
      ...DEFAULT_RULES,
      ...this.settings.rules,
      maxSigmaS: this.settings.maxSigmaS,
      baseline: LINEAR,
      winning,
      incumbents,
      // temperature_outage (30 min, the host still reading its temperature), free-running
      // p95 on seeds 1-3: 860/495/620 µs, with the fit still in line 1862/2312/2297.
      ...(base.clockStatus === 'free_running' ? { holdoverForecasters: new Set<string>(MODEL_ROLES) } : {}),
    };
    const assessment = this.calibrator.assess(LINEAR);
    const now = fusePredictions(this.predictionsAt(nowS, base), assessment, rules, FUSED);
    const later = fusePredictions(this.predictionsAt(nowS + DRIFT_SPAN_S, base, nowS), assessment, rules, FUSED);
    if (!now || !later) return this.linearAlone(base);
    this.remember(now.weights, now.excluded);
    // The linear fit alone: served as it is (the served calibration scales its σ).
    if (now.dominant === LINEAR && (now.weights[LINEAR] ?? 0) >= 1) return base;
    const contributors = Object.values(now.weights).filter((w) => w > 0).length;
    const made = contributors > 1 ? 'fusion' : now.dominant === LINEAR ? base.source : sourceOf(now.dominant);
    const projection = this.projection(base, nowS, assessment, rules);
    return {
      ...base,
      refTimeS: nowS,
      offsetS: now.meanS,
      driftSPerS: (later.meanS - now.meanS) / DRIFT_SPAN_S,
      offsetSigmaS: Math.max(now.sigmaS, linearSigmaAt(base, nowS)),
      predictionTimeS: nowS,
      source: servedSource(made, base.clockStatus),
      ...(projection.length > 0 ? { projection } : {}),
    };
  }

  /** The last fusion's weights, and who was in line: every predictor it weighed but did not exclude. */
  private remember(weights: Record<string, number>, excluded: Record<string, string> = {}): void {
    this.lastWeights = weights;
    this.lastInLine = new Set(Object.keys(weights).filter((p) => !(p in excluded)));
  }

  private linearAlone(base: Correction): Correction {
    this.remember({ [LINEAR]: 1 });
    return base;
  }

  /** fusion.enabled: false — serve the single predictor with the smallest calibrated error. */
  private bestSingle(base: Correction, nowS: number): Correction {
    const records = this.calibrator.assess(LINEAR)?.predictors ?? {};
    let best: { predictor: string; mseS2: number } | undefined;
    for (const p of this.predictionsAt(nowS, base)) {
      const r = records[p.predictor];
      const mseS2 = servedMseS2(r, p);
      if (r && !r.broken && (!best || mseS2 < best.mseS2)) best = { predictor: p.predictor, mseS2 };
    }
    if (!best || best.predictor === LINEAR) return this.linearAlone(base);
    const chosen = best.predictor;
    const pick = (tS: number): number => this.predictionsAt(tS, base, nowS).find((p) => p.predictor === chosen)?.meanS ?? NaN;
    const a = pick(nowS);
    const b = pick(nowS + DRIFT_SPAN_S);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return base;
    this.remember({ [chosen]: 1 });
    return {
      ...base,
      refTimeS: nowS,
      offsetS: a,
      driftSPerS: (b - a) / DRIFT_SPAN_S,
      offsetSigmaS: Math.max(Math.sqrt(best.mseS2), linearSigmaAt(base, nowS)),
      predictionTimeS: nowS,
      source: servedSource(sourceOf(chosen), base.clockStatus),
    };
  }

  /** Each predictor's weight in the last fusion, keyed by predictor (a model by its role). */
  weights(): Readonly<Record<string, number>> {
    return this.lastWeights;
  }

  /** Each predictor's calibrated error about the true offset, seconds; absent until it has a record. */
  calibratedErrorsS(): Record<string, number> {
    const records = this.calibrator.assess(LINEAR)?.predictors ?? {};
    return Object.fromEntries(Object.entries(records).map(([p, r]) => [p, Math.sqrt(r.truthMseS2)]));
  }
}

/** The forecast at `tS`, linear between its points and extended from the end ones. */
function interpolate(forecast: StoredForecast, tS: number): { meanS: number; sigmaS: number } | undefined {
  const pts = forecast.points.filter((p) => Number.isFinite(p.meanS));
  if (pts.length === 0) return undefined;
  if (pts.length === 1) return pts[0];
  let i = 1;
  while (i < pts.length - 1 && (pts[i] as { tS: number }).tS < tS) i++;
  const a = pts[i - 1] as StoredForecast['points'][number];
  const b = pts[i] as StoredForecast['points'][number];
  const f = b.tS === a.tS ? 0 : (tS - a.tS) / (b.tS - a.tS);
  return { meanS: a.meanS + f * (b.meanS - a.meanS), sigmaS: Math.max(a.sigmaS, b.sigmaS) };
}

/** The served `source` for an answer one predictor made alone. */
function sourceOf(predictor: string): 'statistical' | ModelRole {
  return (STATISTICAL as readonly string[]).includes(predictor) ? 'statistical' : (predictor as ModelRole);
}

/** The linear fit's σ (with its NTP bound share) carried from its reference time to `tS`. */
function linearSigmaAt(base: Correction, tS: number): number {
  return Math.hypot(base.offsetSigmaS, base.driftSigmaSPerS * (tS - base.refTimeS));
}
