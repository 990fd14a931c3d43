import type { Config } from '@chronotick/config';
import type { ModelStatusSchema } from '@chronotick/protocol';
import { createModelRegistry, runForecast, type Forecaster, type ForecasterRegistry, type Measurement } from '@chronotick/tsfm';
import type { z } from 'zod';
import type { Logger } from '../log';
import type { ClockDiscipline, RoundMeasurement } from './clock-discipline';
import { extrapolate, servedSource, type Correction, type ProjectedOffset } from './correction';
import { Calibrator, type Assessment } from './fusion/calibrator';
import { DEFAULT_RULES, fusePredictions, servedMseS2, staleSigmaS, type FusionRules, type SourcePrediction } from './fusion/fuse';

type ModelStatus = z.infer<typeof ModelStatusSchema>;
type Role = 'short_term' | 'long_term';

/** A forecast kept between runs: offsets at future host instants. */
interface StoredForecast {
  madeAtS: number;
  points: { tS: number; meanS: number; sigmaS: number }[];
}

interface ModelSlot {
  role: Role;
  name: string;
  enabled: boolean;
  forecaster: Forecaster | undefined;
  problem: string | null;
  lastInferenceS: number | null;
  forecast: StoredForecast | undefined;
  busy: boolean;
}

/** Fused drift is read over this span from the fused offsets, seconds. */
const DRIFT_SPAN_S = 10;
/** Forecast points asked of a model across its horizon. */
const FORECAST_POINTS = 9;
/**
 * The statistical sources, always on: the linear fit the daemon serves, a Kalman
 * filter, and the newest measurement held (which alone follows a step of the clock at once).
 */
const LINEAR = 'linear';
const KALMAN = 'kalman';
const HOLD_LAST = 'hold_last';
const STATISTICAL = [LINEAR, KALMAN, HOLD_LAST] as const;
const FUSED = 'fusion';

export interface ForecastLoopDeps {
  config: Config;
  discipline: ClockDiscipline;
  logger: Logger;
  /** Host realtime, Unix seconds. */
  nowS: () => number;
  /** Called after a model run changes the forecasts, so the served correction follows. */
  onForecast: () => void;
  registry?: ForecasterRegistry;
  rules?: FusionRules;
}

/**
 * The forecasting side of the daemon: the short- and long-term models on their own
 * schedules (never on the request path), and calibrated inverse-variance fusion of
 * their forecasts with the statistical sources. Each source's past predictions are
 * scored against the measurements that arrive later; that record, not the source's
 * claim, sets its weight.
 */
export class ForecastLoop {
  readonly calibrator = new Calibrator();
  private readonly registry: ForecasterRegistry;
  private readonly slots: ModelSlot[];
  private readonly kalman: Forecaster;
  private kalmanPoint: { tS: number; meanS: number; sigmaS: number; driftRate: number; driftSigma: number } | undefined;
  private newest: Measurement | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private lastWeights: Record<string, number> = {};
  private stopped = false;
  /** Bumped by reset(): a model run that started before it must not store its forecast. */
  private generation = 0;

  constructor(private readonly deps: ForecastLoopDeps) {
    this.registry = deps.registry ?? createModelRegistry();
    this.kalman = this.registry.create(KALMAN);
    this.slots = (['short_term', 'long_term'] as const).map((role) => ({
      role,
      name: deps.config[role].model_name,
      enabled: deps.config[role].enabled,
      forecaster: undefined,
      problem: deps.config[role].enabled ? 'loading' : 'disabled in the configuration',
      lastInferenceS: null,
      forecast: undefined,
      busy: false,
    }));
  }

  /** Loads the models (in the background: the daemon serves meanwhile) and starts their schedules. */
  start(): void {
    for (const slot of this.slots) {
      if (!slot.enabled) continue;
      void this.load(slot).then(() => {
        if (this.stopped || !slot.forecaster) return;
        const everyMs = this.deps.config[slot.role].inference_interval * 1000;
        const timer = setInterval(() => void this.run(slot), everyMs);
        timer.unref();
        this.timers.push(timer);
        void this.run(slot);
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const slot of this.slots) {
      const release = (slot.forecaster as { release?: () => Promise<void> } | undefined)?.release;
      if (release) await release.call(slot.forecaster).catch(() => undefined);
    }
  }

  private async load(slot: ModelSlot): Promise<void> {
    const section = this.deps.config[slot.role];
    const fallback = section.fallback_model;
    if (section.device !== 'cpu') {
      const message = `device "${section.device}" is not available: this build runs onnxruntime-node on the CPU only; set ${slot.role}.device: cpu`;
      if (fallback === null) {
        slot.problem = message;
        this.deps.logger.error(`${slot.role}: ${message}`);
        return;
      }
      this.deps.logger.warn(`${slot.role}: ${message}; running the fallback model ${fallback}`);
      slot.forecaster = this.registry.create(fallback);
      slot.name = fallback;
      slot.problem = null;
      return;
    }
    try {
      slot.forecaster = await this.registry.load(section.model_name, {
        options: { threads: section.threads },
        fallback,
        log: (message) => this.deps.logger.warn(`${slot.role}: ${message}`),
      });
      slot.name = slot.forecaster.name;
      slot.problem = null;
      this.deps.logger.info(`${slot.role}: model ${slot.forecaster.name} loaded`);
    } catch (err) {
      slot.problem = (err as Error).message;
      this.deps.logger.error(`${slot.role}: cannot load ${section.model_name}: ${slot.problem}`);
    }
  }

  /** Runs every loaded model once now, off its schedule (tests drive the loop in virtual time with it). */
  async inferNow(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.run(slot)));
  }

  /** One inference of one model over the measurements so far (measurements only, never forecasts). */
  private async run(slot: ModelSlot): Promise<void> {
    if (this.stopped || slot.busy || !slot.forecaster) return;
    const history = this.deps.discipline.measurements;
    if (history.length < 8) return;
    slot.busy = true;
    const generation = this.generation;
    try {
      const nowS = this.deps.nowS();
      const horizonS = this.horizonS(slot);
      const targets = Array.from({ length: FORECAST_POINTS }, (_, i) => nowS + (horizonS * i) / (FORECAST_POINTS - 1));
      const forecast = await runForecast(slot.forecaster, history, targets);
      // Made from a history a host clock step or a discarded restore has since voided.
      if (generation !== this.generation) return;
      slot.forecast = {
        madeAtS: nowS,
        points: forecast.points.map((p) => ({ tS: p.tS, meanS: p.meanS, sigmaS: p.sigmaS })),
      };
      slot.lastInferenceS = nowS;
      slot.problem = null;
      this.deps.onForecast();
    } catch (err) {
      slot.problem = `inference failed: ${(err as Error).message}`;
      this.deps.logger.warn(`${slot.role}: ${slot.problem}`);
    } finally {
      slot.busy = false;
    }
  }

  private horizonS(slot: ModelSlot): number {
    const card = (slot.forecaster as { card?: { horizon?: number; step_s?: number } } | undefined)?.card;
    if (card?.horizon && card.step_s) return card.horizon * card.step_s;
    const section = this.deps.config[slot.role];
    return section.prediction_horizon * section.inference_interval;
  }

  /**
   * Scores every source's standing prediction against measurements that just arrived.
   * Call before the measurements join the history, so no source has seen them.
   */
  observe(fresh: readonly RoundMeasurement[], base: Correction, servedOffsetAt: (tS: number) => number): void {
    const knownUntilS = this.deps.discipline.lastMeasurementS ?? base.lastMeasurementS;
    for (const m of fresh) {
      const predictedS = Object.fromEntries(this.predictionsAt(m.tS, base).map((p) => [p.source, p.meanS]));
      predictedS[FUSED] = servedOffsetAt(m.tS);
      const measured = { tS: m.tS, offsetS: m.offsetS, delayS: m.delayS, server: m.servers.join(',') };
      this.calibrator.score(measured, predictedS, knownUntilS === null ? 0 : m.tS - knownUntilS);
    }
  }

  /**
   * Forgets every forecast and the whole calibration: after the history was discarded
   * (the host clock stepped, saved state proved wrong), nothing predicted from it holds.
   */
  reset(): void {
    this.generation++;
    this.kalmanPoint = undefined;
    this.newest = undefined;
    for (const slot of this.slots) slot.forecast = undefined;
    this.calibrator.forget();
    this.lastWeights = {};
  }

  /** Runs the Kalman filter over the history (cheap; once per NTP round). */
  updateStatistical(history: readonly Measurement[], nowS: number): void {
    this.newest = history[history.length - 1];
    if (history.length < 2) return;
    const f = this.kalman.mode === 'sync' ? this.kalman.forecast(history, [nowS, nowS + DRIFT_SPAN_S]) : undefined;
    const [a, b] = f?.points ?? [];
    if (a && b) {
      const driftRate = (b.meanS - a.meanS) / DRIFT_SPAN_S;
      this.kalmanPoint = { tS: nowS, meanS: a.meanS, sigmaS: a.sigmaS, driftRate, driftSigma: f?.drift?.sigmaSPerS ?? 0 };
    }
  }

  /**
   * Each source's prediction of the offset at host time `tS`, as known at `nowS` (a
   * model's forecast is as stale as it is old now, however far ahead `tS` lies). With
   * `withinHorizon`, a model whose forecast does not reach `tS` is left out rather than
   * carried on along its last segment.
   */
  private predictionsAt(tS: number, base: Correction, nowS = tS, withinHorizon = false): SourcePrediction[] {
    const maxDriftPpm = this.deps.config.clock_measurement.max_drift_ppm;
    // Each line's claim grows with its drift's σ; the holdover bound, common to all, is
    // the answer's to add.
    const linear = { meanS: extrapolate(base, tS, maxDriftPpm).offsetS, sigmaS: linearSigmaAt(base, tS) };
    const out: SourcePrediction[] = [{ source: LINEAR, meanS: linear.meanS, claimedSigmaS: linear.sigmaS }];
    const k = this.kalmanPoint;
    if (k) {
      const dtS = tS - k.tS;
      out.push({ source: KALMAN, meanS: k.meanS + k.driftRate * dtS, claimedSigmaS: Math.hypot(k.sigmaS, k.driftSigma * dtS) });
    }
    if (this.newest) out.push({ source: HOLD_LAST, meanS: this.newest.offsetS, claimedSigmaS: null });
    for (const slot of this.slots) {
      const forecast = slot.forecast;
      if (!forecast || (withinHorizon && !(tS <= (forecast.points.at(-1)?.tS ?? -Infinity)))) continue;
      const point = interpolate(forecast, tS);
      if (!point) continue;
      const scheduleS = this.deps.config[slot.role].inference_interval;
      const stale = staleSigmaS(nowS - forecast.madeAtS, scheduleS, maxDriftPpm);
      out.push({ source: slot.role, meanS: point.meanS, claimedSigmaS: point.sigmaS, extraSigmaS: stale });
    }
    return out;
  }

  /**
   * The fused forecast at the long-term model's future instants (beyond the drift span),
   * for projections. Records were earned about one poll ahead, so each source's σ also
   * grows by what it itself claims between now and then; the newest measurement held
   * makes no forecast and takes no part. Empty when that model has no forecast or
   * nothing fuses there.
   */
  private projection(base: Correction, nowS: number, assessment: Assessment | null, rules: FusionRules): ProjectedOffset[] {
    const forecast = this.slots.find((slot) => slot.role === 'long_term')?.forecast;
    if (!forecast) return [];
    const claimNow = new Map(this.predictionsAt(nowS, base).map((p) => [p.source, p.claimedSigmaS]));
    const out: ProjectedOffset[] = [];
    for (const { tS } of forecast.points) {
      if (tS <= nowS + DRIFT_SPAN_S) continue;
      const ahead = this.predictionsAt(tS, base, nowS, true).flatMap((p) => {
        const before = claimNow.get(p.source) ?? null;
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
   * The served correction: the fused offset now, the fused drift over the next few
   * seconds, the fused σ. Falls back to `base` (the linear fit) when nothing qualifies.
   * The σ served is never below the fit's own: that one also carries the NTP bound's
   * share, the path asymmetry no measurement can reveal and no calibration can see.
   */
  fuse(base: Correction, nowS: number): Correction {
    if (!this.deps.config.fusion.enabled) return this.bestSingle(base, nowS);
    if (this.deps.config.fusion.method === 'linear') {
      this.lastWeights = { [LINEAR]: 1 };
      return base;
    }
    const rules = { ...(this.deps.rules ?? DEFAULT_RULES), maxSigmaS: this.deps.config.fusion.uncertainty_threshold, baseline: LINEAR };
    const assessment = this.calibrator.assess(LINEAR);
    const now = fusePredictions(this.predictionsAt(nowS, base), assessment, rules, FUSED);
    const later = fusePredictions(this.predictionsAt(nowS + DRIFT_SPAN_S, base, nowS), assessment, rules, FUSED);
    if (!now || !later) {
      this.lastWeights = { [LINEAR]: 1 };
      return base;
    }
    this.lastWeights = now.weights;
    // The linear fit alone: serve it as it is, but with no smaller σ than its record.
    if (now.dominant === LINEAR && (now.weights[LINEAR] ?? 0) >= 1)
      return { ...base, offsetSigmaS: Math.max(base.offsetSigmaS, now.sigmaS) };
    const contributors = Object.values(now.weights).filter((w) => w > 0).length;
    const made =
      contributors > 1
        ? 'fusion'
        : now.dominant === LINEAR
          ? base.source
          : isStatistical(now.dominant)
            ? 'statistical'
            : (now.dominant as Role);
    const projection = this.projection(base, nowS, assessment, rules);
    return {
      ...base,
      refTimeS: nowS,
      offsetS: now.meanS,
      driftRate: (later.meanS - now.meanS) / DRIFT_SPAN_S,
      offsetSigmaS: Math.max(now.sigmaS, linearSigmaAt(base, nowS)),
      predictionTimeS: nowS,
      source: servedSource(made, base.clockStatus),
      ...(projection.length > 0 ? { projection } : {}),
    };
  }

  /** fusion.enabled: false — serve the single source with the smallest calibrated error. */
  private bestSingle(base: Correction, nowS: number): Correction {
    const records = this.calibrator.assess(LINEAR)?.sources ?? {};
    let best: { source: string; mseS2: number } | undefined;
    for (const p of this.predictionsAt(nowS, base)) {
      const r = records[p.source];
      const mseS2 = servedMseS2(r, p);
      if (r && !r.broken && (!best || mseS2 < best.mseS2)) best = { source: p.source, mseS2 };
    }
    if (!best || best.source === LINEAR) {
      this.lastWeights = { [LINEAR]: 1 };
      return base;
    }
    const chosen = best.source;
    const pick = (tS: number): number => this.predictionsAt(tS, base, nowS).find((p) => p.source === chosen)?.meanS ?? NaN;
    const a = pick(nowS);
    const b = pick(nowS + DRIFT_SPAN_S);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return base;
    this.lastWeights = { [chosen]: 1 };
    return {
      ...base,
      refTimeS: nowS,
      offsetS: a,
      driftRate: (b - a) / DRIFT_SPAN_S,
      offsetSigmaS: Math.max(Math.sqrt(best.mseS2), linearSigmaAt(base, nowS)),
      predictionTimeS: nowS,
      source: servedSource(isStatistical(chosen) ? 'statistical' : (chosen as Role), base.clockStatus),
    };
  }

  /**
   * Each source's current weight, keyed as fusion knows the source: a model by its role
   * (two roles may run one model), a statistical source by its name.
   */
  weights(): Record<string, number> {
    return Object.fromEntries(this.status().map((m) => [m.role === 'statistical' ? m.name : m.role, m.weight]));
  }

  status(): ModelStatus[] {
    const records = this.calibrator.assess(LINEAR)?.sources ?? {};
    const calibratedErrorS = (source: string): number | null => {
      const r = records[source];
      return r === undefined ? null : Math.sqrt(r.truthMseS2);
    };
    const statistical = STATISTICAL.map((name) => ({
      role: 'statistical' as const,
      name,
      enabled: true,
      loaded: true,
      last_inference_time: null,
      calibrated_error_s: calibratedErrorS(name),
      weight: this.lastWeights[name] ?? 0,
    }));
    const models = this.slots.map((slot) => ({
      role: slot.role,
      name: slot.name,
      enabled: slot.enabled,
      loaded: slot.forecaster !== undefined,
      last_inference_time: slot.lastInferenceS,
      calibrated_error_s: calibratedErrorS(slot.role),
      weight: this.lastWeights[slot.role] ?? 0,
      problem: slot.problem,
    }));
    return [...models, ...statistical];
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

function isStatistical(source: string): boolean {
  return (STATISTICAL as readonly string[]).includes(source);
}

/** The linear fit's σ (with its NTP bound share) carried from its reference time to `tS`. */
function linearSigmaAt(base: Correction, tS: number): number {
  return Math.hypot(base.offsetSigmaS, base.driftSigma * (tS - base.refTimeS));
}
