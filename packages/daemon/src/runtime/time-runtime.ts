import type { Config } from '@chronotick/config';
import {
  realtimeStepS,
  type ClockReading,
  type HostClock,
  type NtpQueryRequest,
  type NtpQueryResult,
  type Resolver,
} from '@chronotick/ntp';
import type { ForecasterRegistry, Measurement } from '@chronotick/tsfm';
import type { Logger } from '../log';
import { sampleFromNtp } from '../engine/clock-discipline';
import { TimePipeline } from '../engine/time-pipeline';
import type { AuditLog } from '../ops/audit-log';
import { ModelScheduler } from './model-scheduler';
import { NtpSchedule } from './ntp-schedule';
import { every, type RuntimeTimers } from './timers';

/** How often the host clock is looked at for steps and the measurements for staleness. */
const TICK_MS = 1000;
/** Warm-up progress is logged this often. */
const PROGRESS_LOG_INTERVAL_S = 10;

export interface TimeRuntimeDeps {
  config: Config;
  clock: HostClock;
  logger: Logger;
  timers: RuntimeTimers;
  /** System covariates read with each round (CPU load, temperature, ...). */
  covariates: () => Readonly<Record<string, number>>;
  audit?: AuditLog | undefined;
  registry?: ForecasterRegistry;
  query?: (req: NtpQueryRequest) => Promise<NtpQueryResult>;
  resolver?: Resolver;
}

/**
 * The parts of the daemon that live in time — the NTP schedule, the model scheduler and
 * the host clock watch — feeding one {@link TimePipeline} events on injected timers.
 * The daemon runs it on Node's timers and the host clock; the simulator on virtual
 * ones and a simulated clock. Nothing here decides what is served: the pipeline does.
 */
export class TimeRuntime {
  readonly pipeline: TimePipeline;
  readonly ntp: NtpSchedule;
  readonly models: ModelScheduler;
  private lastReading: ClockReading;
  private stopTicking: (() => void) | undefined;
  private restored = false;
  private lastProgressLogS = -Infinity;
  private lastSamplerState = 'idle';

  constructor(private readonly deps: TimeRuntimeDeps) {
    const { config, clock, logger, timers } = deps;
    this.lastReading = clock.now();
    this.pipeline = new TimePipeline(config, this.lastReading.realtimeS, logger);
    this.ntp = new NtpSchedule({
      config,
      clock,
      logger,
      timers,
      onRound: (round, warmingUp) => this.onRound(round.results, warmingUp),
      ...(deps.query ? { query: deps.query } : {}),
      ...(deps.resolver ? { resolver: deps.resolver } : {}),
    });
    this.models = new ModelScheduler({
      config,
      logger,
      timers,
      nowS: () => clock.now().realtimeS,
      input: () => this.pipeline.modelInput(),
      readCovariates: () => ({ tS: clock.now().realtimeS, covariates: deps.covariates() }),
      onForecast: (role, forecast, madeAtS, generation) =>
        this.pipeline.onForecast(role, forecast, madeAtS, generation, clock.now().realtimeS),
      ...(deps.registry ? { registry: deps.registry } : {}),
    });
  }

  /** Measurements saved by an earlier run; call before start(), which then skips warm-up. */
  restore(measurements: readonly Measurement[], calibration: unknown): void {
    if (measurements.length === 0) return;
    this.pipeline.restore(measurements, calibration, this.deps.clock.now().realtimeS);
    this.restored = true;
  }

  /** Starts sampling, ticking and (in the background) loading the models. */
  start(): Promise<void> {
    this.ntp.start(this.restored);
    this.lastReading = this.deps.clock.now();
    this.pipeline.onTick(this.lastReading.realtimeS, this.ntp.warmingUp());
    this.stopTicking = every(this.deps.timers, TICK_MS, () => this.tick());
    return this.models.start();
  }

  async stop(): Promise<void> {
    this.stopTicking?.();
    await this.ntp.stop();
    await this.models.stop();
  }

  private onRound(results: readonly NtpQueryResult[], warmingUp: boolean): void {
    const nowS = this.deps.clock.now().realtimeS;
    const samples = results.flatMap((r) => {
      if (r.ok) return [sampleFromNtp(r)];
      this.deps.logger.debug(`NTP ${r.server}: rejected (${r.reason}) ${r.detail}`);
      return [];
    });
    const outcome = this.pipeline.onRound({ samples, warmingUp, covariates: this.deps.covariates() }, nowS);
    if (outcome.restartWarmUp) this.ntp.restart();
    const c = outcome.installed;
    if (!c) return;
    this.deps.audit?.write({
      time: nowS,
      offset_s: c.offsetS + c.driftSPerS * (nowS - c.refTimeS),
      uncertainty_s: c.offsetSigmaS,
      drift_rate: c.driftSPerS,
      source: c.source,
      clock_status: c.clockStatus,
      servers: outcome.measurements.map((m) => m.server ?? ''),
    });
  }

  /**
   * Reads the host clock for an answer. A step of the host clock since the last reading
   * is handled first, so no answer is made from a correction the step has voided (the
   * check is a comparison of two readings: cheap enough for every request).
   */
  readClock(): ClockReading {
    this.deps.clock.checkForStep?.();
    const reading = this.deps.clock.now();
    this.handleStep(reading);
    return reading;
  }

  /** A step of realtime against monotonic since the last reading: every measurement is void. */
  private handleStep(reading: ClockReading): boolean {
    const stepS = realtimeStepS(this.lastReading, reading);
    this.lastReading = reading;
    if (Math.abs(stepS) <= this.deps.config.clock_measurement.step_threshold_seconds) return false;
    this.pipeline.onHostClockStep(stepS, reading.realtimeS);
    this.ntp.restart();
    return true;
  }

  /** Once a second: a step of the host clock, or just time passing. */
  private tick(): void {
    const { clock, logger } = this.deps;
    clock.checkForStep?.();
    const reading = clock.now();
    if (this.handleStep(reading)) return;
    this.pipeline.onTick(reading.realtimeS, this.ntp.warmingUp());
    const sampler = this.ntp.status();
    if (sampler.state !== this.lastSamplerState) {
      if (sampler.state === 'no_response' || sampler.state === 'no_usable_servers') logger.warn(`NTP: ${sampler.message}`);
      else if (this.lastSamplerState === 'no_response') logger.info('NTP: servers answer again');
      this.lastSamplerState = sampler.state;
    }
    if (sampler.state === 'warming_up' && reading.monotonicS - this.lastProgressLogS >= PROGRESS_LOG_INTERVAL_S) {
      this.lastProgressLogS = reading.monotonicS;
      logger.info(`warm-up ${Math.round(sampler.warmup_progress * 100)}% complete, ${Math.ceil(sampler.warmup_remaining_s)} s remaining`);
    }
  }
}
