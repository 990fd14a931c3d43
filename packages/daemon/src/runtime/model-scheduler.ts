import type { Config } from '@chronotick/config';
import {
  createModelRegistry,
  runForecast,
  type Forecast,
  type Forecaster,
  type ForecasterRegistry,
  type CovariateReading,
} from '@chronotick/tsfm';
import type { Logger } from '../log';
import { MODEL_ROLES, type ModelRole } from '../engine/predictors';
import type { ModelInput } from '../engine/time-pipeline';
import { every, type RuntimeTimers } from './timers';

/** Forecast points asked of a model across its horizon. */
const FORECAST_POINTS = 9;
/** A model needs at least this many measurements to forecast from. */
const MIN_HISTORY = 8;
/** Covariate readings kept: 4.5 hours of silent servers at a 16 s inference interval. */
const MAX_READINGS = 1024;

/** One model role's slot: what runs there, and how it fares. */
export interface ModelSlot {
  role: ModelRole;
  name: string;
  enabled: boolean;
  forecaster: Forecaster | undefined;
  /** Why it is not forecasting (loading, disabled, a load or inference error); null when it is. */
  problem: string | null;
  lastInferenceS: number | null;
}

export interface ModelSchedulerDeps {
  config: Config;
  logger: Logger;
  timers: RuntimeTimers;
  /** Host realtime, Unix seconds. */
  nowS: () => number;
  /** What the models read: the pipeline's measurements and generation. */
  input: () => ModelInput;
  /**
   * What the host reads now (its covariates), beside the measurements. Read at every
   * inference and kept, the readings since the newest measurement go to the models: one
   * that reads a temperature follows it past the newest measurement, through an outage.
   */
  readCovariates?: () => CovariateReading;
  /** A forecast is ready: feed it to the pipeline; false when it was made from a discarded history. */
  onForecast: (role: ModelRole, forecast: Forecast, madeAtS: number, generation: number) => boolean;
  registry?: ForecasterRegistry;
}

/**
 * Runs the short- and long-term models on their own schedules, never on the request
 * path: loads them (in the background: the daemon serves meanwhile), runs each every
 * `inference_interval` over the measurements so far, and hands the forecast to the
 * pipeline with the generation of the history it read.
 */
export class ModelScheduler {
  readonly slots: ModelSlot[];
  private readonly registry: ForecasterRegistry;
  private readonly busy = new Set<ModelRole>();
  private readonly cancels: (() => void)[] = [];
  /** Covariates read at the inferences, oldest first. */
  private readings: CovariateReading[] = [];
  private stopped = false;

  constructor(private readonly deps: ModelSchedulerDeps) {
    this.registry = deps.registry ?? createModelRegistry();
    this.slots = MODEL_ROLES.map((role) => ({
      role,
      name: deps.config[role].model_name,
      enabled: deps.config[role].enabled,
      forecaster: undefined,
      problem: deps.config[role].enabled ? 'loading' : 'disabled in the configuration',
      lastInferenceS: null,
    }));
  }

  /** Loads every enabled model and starts its schedule; resolves once all are loaded (or failed). */
  async start(): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot) => {
        if (!slot.enabled) return;
        await this.load(slot);
        if (this.stopped || !slot.forecaster) return;
        const everyMs = this.deps.config[slot.role].inference_interval * 1000;
        this.cancels.push(every(this.deps.timers, everyMs, () => this.schedule(slot)));
        this.schedule(slot);
      }),
    );
  }

  /** Stops the schedules; `release` also frees the models' sessions (not when their registry is shared). */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    for (const cancel of this.cancels) cancel();
    if (!release) return;
    for (const slot of this.slots) {
      const release = (slot.forecaster as { release?: () => Promise<void> } | undefined)?.release;
      if (release) await release.call(slot.forecaster).catch(() => undefined);
    }
  }

  /** Runs every loaded model once now, off its schedule. */
  async inferNow(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.run(slot)));
  }

  private schedule(slot: ModelSlot): void {
    const work = this.run(slot);
    void (this.deps.timers.track ? this.deps.timers.track(work) : work);
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

  /** One inference of one model over the measurements so far (measurements only, never forecasts). */
  private async run(slot: ModelSlot): Promise<void> {
    if (this.stopped || this.busy.has(slot.role) || !slot.forecaster) return;
    const { history, generation } = this.deps.input();
    if (history.length < MIN_HISTORY) return;
    this.busy.add(slot.role);
    try {
      const nowS = this.deps.nowS();
      const horizonS = this.horizonS(slot);
      const targets = Array.from({ length: FORECAST_POINTS }, (_, i) => nowS + (horizonS * i) / (FORECAST_POINTS - 1));
      const forecast = await runForecast(slot.forecaster, history, targets, this.readingsSince(history));
      if (this.stopped || !this.deps.onForecast(slot.role, forecast, nowS, generation)) return;
      slot.lastInferenceS = nowS;
      slot.problem = null;
    } catch (err) {
      slot.problem = `inference failed: ${(err as Error).message}`;
      this.deps.logger.warn(`${slot.role}: ${slot.problem}`);
    } finally {
      this.busy.delete(slot.role);
    }
  }

  /**
   * Takes a covariate reading (one per second at most: both models may run at once) and
   * returns those newer than the history's newest measurement.
   */
  private readingsSince(history: readonly { tS: number }[]): CovariateReading[] | undefined {
    const read = this.deps.readCovariates;
    if (read === undefined) return undefined;
    const reading = read();
    const last = this.readings[this.readings.length - 1];
    if (last === undefined || reading.tS - last.tS >= 1) this.readings.push(reading);
    if (this.readings.length > MAX_READINGS) this.readings = this.readings.slice(-MAX_READINGS);
    let newestS = -Infinity;
    for (const m of history) newestS = Math.max(newestS, m.tS);
    return this.readings.filter((r) => r.tS > newestS);
  }

  private horizonS(slot: ModelSlot): number {
    const card = (slot.forecaster as { card?: { horizon?: number; step_s?: number } } | undefined)?.card;
    if (card?.horizon && card.step_s) return card.horizon * card.step_s;
    const section = this.deps.config[slot.role];
    return section.prediction_horizon * section.inference_interval;
  }
}
