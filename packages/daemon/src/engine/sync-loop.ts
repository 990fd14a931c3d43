import type { Config } from '@chronotick/config';
import type { DaemonStatus } from '@chronotick/protocol';
import { realtimeStepS, type ClockReading, type HostClock } from '@chronotick/ntp';
import { readCovariates } from '../clock/covariates';
import type { Logger } from '../log';
import { NtpSampler, selectAndCombine, type NtpRound, type NtpSample, type NtpSamplerStatus, type SelectionInput } from '@chronotick/ntp';
import type { AuditLog } from '../ops/audit-log';
import { ClockDiscipline, type RoundMeasurement } from './clock-discipline';
import type { Measurement } from '@chronotick/tsfm';
import { extrapolate, hostOnlyCorrection, servedSource, type Correction } from './correction';
import type { ForecastLoop } from './forecast-loop';
import type { TimeEngine } from './time-engine';

export interface SyncLoopDeps {
  config: Config;
  clock: HostClock;
  engine: TimeEngine;
  logger: Logger;
  audit?: AuditLog | undefined;
  /** Injected in tests; the real sampler otherwise. */
  createSampler?: (onRound: (round: NtpRound) => void) => NtpSampler;
}

/** How often the loop looks at the host clock and the age of the last measurement. */
const TICK_MS = 1000;
/** Warm-up progress is logged this often. */
const PROGRESS_LOG_INTERVAL_S = 10;
/** Measurements kept, and how many of the newest the linear fit reads. */
const HISTORY_LIMIT = 4096;
const FIT_WINDOW = 64;
/**
 * Predictions are scored only once the history has this many measurements (as the
 * replay evaluation skips its first 8): a fit on three points is not the fit we serve,
 * and its errors would haunt the calibration window for an hour.
 */
const MIN_HISTORY_FOR_SCORING = 8;

/**
 * Keeps the served correction up to date: runs the NTP sampler, feeds each round's
 * combined offset to the clock discipline, installs the result in the time engine,
 * and watches the host clock for steps and the measurements for staleness. All of it
 * happens on timers and UDP callbacks, never on the request path.
 */
export class SyncLoop {
  readonly discipline: ClockDiscipline;
  private sampler: NtpSampler;
  private ticker: NodeJS.Timeout | undefined;
  private lastReading: ClockReading;
  private lastProgressLogS = -Infinity;
  private lastSamplerState: string = 'idle';
  private lastWeights: Record<string, number> = {};
  private lastLeap: number | null = null;
  private stopped = false;
  private forecasts: ForecastLoop | undefined;
  /** Each server's latest accepted sample: selection compares servers across rounds. */
  private readonly latest = new Map<string, NtpSample>();
  /** A sample older than this takes no part in selection. */
  private readonly maxSampleAgeS: number;
  /** Set by a host clock step; answers say `disrupted` until warm-up is over again. */
  private disrupted = false;
  /**
   * Measurements restored from saved state, not yet confirmed by a fresh one. The
   * first new measurement either agrees (ready at once, no warm-up) or shows the
   * clock moved while we were down (the restored history is dropped).
   */
  private restoredUnconfirmed = false;
  private warmUpOverrideS: number | undefined;

  constructor(private readonly deps: SyncLoopDeps) {
    const timing = deps.config.clock_measurement.timing;
    this.discipline = new ClockDiscipline({
      historyLimit: HISTORY_LIMIT,
      fitWindow: FIT_WINDOW,
      // Three missed normal rounds mean we are coasting on the last drift estimate.
      freeRunningAfterS: 3 * timing.normal_operation.measurement_interval + deps.config.clock_measurement.ntp.timeout_seconds,
    });
    this.maxSampleAgeS = 3 * timing.normal_operation.measurement_interval + deps.config.clock_measurement.ntp.timeout_seconds;
    this.sampler = this.newSampler();
    this.lastReading = deps.clock.now();
  }

  /**
   * Takes measurements saved by an earlier run. Called before start(); the sampler
   * then skips warm-up, since the history it would build already exists.
   */
  restore(measurements: readonly Measurement[], boundsS: readonly number[]): void {
    if (measurements.length === 0) return;
    this.discipline.restore(measurements, boundsS);
    this.restoredUnconfirmed = true;
    this.warmUpOverrideS = 0;
    this.sampler = this.newSampler();
    const nowS = this.deps.clock.now().realtimeS;
    this.deps.engine.setCorrection(this.discipline.correctionAt(nowS), 'warming_up');
  }

  start(): void {
    this.stopped = false;
    this.sampler.start();
    this.refreshStatus(this.deps.clock.now().realtimeS);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.sampler.stop();
  }

  samplerStatus(): NtpSamplerStatus {
    return this.sampler.status();
  }

  /** Each server's weight in the last combined round (0 for a falseticker). */
  get weights(): Readonly<Record<string, number>> {
    return this.lastWeights;
  }

  get leapIndicator(): number | null {
    return this.lastLeap;
  }

  /** The daemon's status as the measurements and the sampler see it. */
  daemonStatus(): DaemonStatus {
    const sampler = this.sampler.status();
    const clockStatus = this.discipline.clockStatusAt(this.deps.clock.now().realtimeS);
    if (sampler.state === 'warming_up' || this.restoredUnconfirmed) return 'warming_up';
    if (this.discipline.lastMeasurementS === null) return 'unsynchronized';
    return clockStatus === 'synchronized' ? 'ready' : 'degraded';
  }

  private newSampler(): NtpSampler {
    const onRound = (round: NtpRound): void => this.onRound(round);
    if (this.deps.createSampler) return this.deps.createSampler(onRound);
    const { ntp, timing } = this.deps.config.clock_measurement;
    return new NtpSampler(
      {
        servers: ntp.servers,
        intervalS: timing.normal_operation.measurement_interval,
        warmUp: {
          durationS: this.warmUpOverrideS ?? timing.warm_up.duration_seconds,
          intervalS: timing.warm_up.measurement_interval,
        },
        minPollS: ntp.min_poll_seconds,
        timeoutMs: ntp.timeout_seconds * 1000,
        maxUncertaintyS: ntp.max_acceptable_uncertainty,
      },
      {
        clock: () => this.deps.clock.now().realtimeS,
        monotonicS: () => this.deps.clock.now().monotonicS,
        onRound,
        onError: (err) => this.deps.logger.error(`NTP round handler failed: ${String(err)}`),
      },
    );
  }

  private onRound(round: NtpRound): void {
    if (this.stopped) return;
    for (const r of round.results) {
      if (r.ok) this.latest.set(r.server, r);
      else this.deps.logger.debug(`NTP ${r.server}: rejected (${r.reason}) ${r.detail}`);
    }
    const nowS = this.deps.clock.now().realtimeS;
    const selection = selectAndCombine(this.selectionInputs(nowS));
    if (!selection.ok) {
      this.deps.logger.debug(`NTP round ${round.seq}: no usable sample (${round.state})`);
      return;
    }
    this.lastWeights = selection.weights;
    this.lastLeap = selection.leap;
    if (selection.leapConflict) {
      this.deps.logger.warn('NTP servers disagree about an upcoming leap second; acting on none of them');
    }
    if (selection.falsetickers.length > 0) {
      this.deps.logger.debug(`NTP falsetickers: ${selection.falsetickers.join(', ')}`);
    }
    // Only this round's samples from truechimers become evidence; a falseticker's never do.
    const fresh: RoundMeasurement[] = [];
    const covariates = { ...readCovariates() };
    for (const r of round.results) {
      if (r.ok && selection.survivors.includes(r.server)) {
        fresh.push({ tS: r.tS, offsetS: r.offsetS, boundS: r.uncertaintyS, delayS: r.delayS, servers: [r.server], covariates });
      }
    }
    if (fresh.length === 0) return;
    if (this.restoredUnconfirmed) this.confirmRestored(fresh, nowS);
    // Score every source's standing prediction before the new measurements join the
    // history: a source is judged on what it said before it saw them.
    if (this.forecasts && this.discipline.measurements.length >= MIN_HISTORY_FOR_SCORING) {
      const served = this.deps.engine.current;
      const maxDriftPpm = this.deps.config.clock_measurement.max_drift_ppm;
      this.forecasts.observe(fresh, this.discipline.correctionAt(nowS), (tS) => extrapolate(served, tS, maxDriftPpm).offsetS);
    }
    const fitted = this.discipline.add(fresh, nowS);
    this.forecasts?.updateStatistical(this.discipline.measurements, nowS);
    const correction = this.install(fitted, nowS);
    this.deps.audit?.write({
      time: nowS,
      offset_s: correction.offsetS + correction.driftRate * (nowS - correction.refTimeS),
      uncertainty_s: correction.offsetSigmaS,
      drift_rate: correction.driftRate,
      source: correction.source,
      clock_status: correction.clockStatus,
      servers: fresh.map((m) => m.servers[0] as string),
    });
  }

  /** Serves the fit, fused with the forecasts when there are any, labelled for the clock's state. */
  private install(fitted: Correction, nowS: number): Correction {
    const fused = this.forecasts ? this.forecasts.fuse(fitted, nowS) : fitted;
    const status = this.daemonStatus();
    if (status !== 'warming_up') this.disrupted = false;
    const correction = this.disrupted ? { ...fused, clockStatus: 'disrupted' as const } : fused;
    this.deps.engine.setCorrection(correction, status);
    return correction;
  }

  /** A model produced a new forecast: serve the fusion that includes it. */
  refreshFromForecasts(): void {
    if (this.stopped || this.discipline.measurements.length === 0) return;
    const nowS = this.deps.clock.now().realtimeS;
    this.install(this.discipline.correctionAt(nowS), nowS);
  }

  /** The forecasting side, attached by the daemon once both exist. */
  attachForecasts(forecasts: ForecastLoop): void {
    this.forecasts = forecasts;
  }

  /** Keeps the restored history if the first fresh measurements agree with it. */
  private confirmRestored(fresh: readonly RoundMeasurement[], nowS: number): void {
    this.restoredUnconfirmed = false;
    const expected = extrapolate(this.deps.engine.current, nowS, this.deps.config.clock_measurement.max_drift_ppm);
    const agree = fresh.every((m) => Math.abs(m.offsetS - expected.offsetS) <= 5 * expected.sigmaS + m.boundS);
    if (agree) {
      this.deps.logger.info('saved state confirmed by a fresh measurement: ready without warm-up');
      return;
    }
    this.deps.logger.warn(
      `saved state disagrees with a fresh measurement by ${(((fresh[0]?.offsetS ?? 0) - expected.offsetS) * 1e3).toFixed(3)} ms: ` +
        'the host clock moved while the daemon was down; discarding it and warming up',
    );
    // What we served from the saved state was wrong by that much: a discontinuity,
    // stepped out (disrupted) rather than slewed for seconds at 5%.
    this.discipline.reset();
    this.forecasts?.reset();
    this.disrupted = true;
    this.warmUpOverrideS = undefined;
    this.restartSampler();
  }

  /**
   * Replaces the sampler at once (a fresh one starts with a full warm-up). The old one
   * stops synchronously — its late rounds are ignored — and closes its sockets after.
   */
  private restartSampler(): void {
    const old = this.sampler;
    void old.stop();
    if (this.stopped) return;
    this.sampler = this.newSampler();
    this.sampler.start();
  }

  /**
   * Each server's latest sample, brought to `nowS` with the current drift estimate, so
   * servers polled at different moments can be compared; the interval widens by what
   * that extrapolation could be wrong by. Samples too old to say anything are dropped.
   */
  private selectionInputs(nowS: number): SelectionInput[] {
    const { driftRate, driftSigma, source } = this.deps.engine.current;
    const knownDrift = source !== 'system';
    const maxDriftRate = this.deps.config.clock_measurement.max_drift_ppm * 1e-6;
    const inputs: SelectionInput[] = [];
    for (const [server, sample] of this.latest) {
      const ageS = Math.max(0, nowS - sample.tS);
      if (ageS > this.maxSampleAgeS) {
        this.latest.delete(server);
        continue;
      }
      inputs.push({
        server,
        offsetS: sample.offsetS + (knownDrift ? driftRate * ageS : 0),
        uncertaintyS: sample.uncertaintyS + (knownDrift ? driftSigma : maxDriftRate) * ageS,
        leap: sample.leap,
      });
    }
    return inputs;
  }

  private tick(): void {
    if (this.stopped) return;
    this.deps.clock.checkForStep?.();
    const reading = this.deps.clock.now();
    const stepS = realtimeStepS(this.lastReading, reading);
    this.lastReading = reading;
    if (Math.abs(stepS) > this.deps.config.clock_measurement.step_threshold_seconds) {
      this.onHostClockStep(stepS);
      return;
    }
    this.refreshStatus(reading.realtimeS);
    this.logWarmUpProgress(reading.monotonicS);
    this.logSamplerState();
  }

  /** A stepped host clock invalidates every measurement: start over, say so. */
  private onHostClockStep(stepS: number): void {
    this.deps.logger.warn(
      `host clock stepped by ${stepS.toFixed(6)} s: discarding ${this.discipline.measurements.length} measurements and warming up again`,
    );
    this.discipline.reset();
    this.forecasts?.reset();
    this.latest.clear();
    this.disrupted = true;
    const nowS = this.deps.clock.now().realtimeS;
    this.deps.engine.setCorrection({ ...hostOnlyCorrection(nowS), clockStatus: 'disrupted' }, 'warming_up');
    this.restoredUnconfirmed = false;
    this.warmUpOverrideS = undefined;
    this.restartSampler();
  }

  /**
   * Keeps the daemon status current between measurements, and re-labels the served
   * correction once measurements stop arriving (holdover).
   */
  private refreshStatus(nowS: number): void {
    const current = this.deps.engine.current;
    const status = this.daemonStatus();
    if (current.source === 'system') {
      if (status !== this.deps.engine.status) this.deps.engine.relabel({ clockStatus: current.clockStatus, source: 'system' }, status);
      return;
    }
    if (status !== 'warming_up') this.disrupted = false;
    const clockStatus = this.disrupted ? 'disrupted' : this.discipline.clockStatusAt(nowS);
    if (clockStatus !== current.clockStatus || status !== this.deps.engine.status) {
      const source = servedSource(current.source, clockStatus);
      if (clockStatus === 'free_running' && current.clockStatus !== 'free_running') {
        this.deps.logger.warn(
          `no NTP measurement for ${Math.round(nowS - (current.lastMeasurementS ?? nowS))} s: free-running on the last drift estimate`,
        );
      }
      this.deps.engine.relabel({ clockStatus, source }, status);
    }
  }

  /** Says once, plainly, when no server answers any more (no network?) and when they do again. */
  private logSamplerState(): void {
    const s = this.sampler.status();
    if (s.state === this.lastSamplerState) return;
    if (s.state === 'no_response' || s.state === 'no_usable_servers') this.deps.logger.warn(`NTP: ${s.message}`);
    else if (this.lastSamplerState === 'no_response') this.deps.logger.info('NTP: servers answer again');
    this.lastSamplerState = s.state;
  }

  private logWarmUpProgress(monoS: number): void {
    const s = this.sampler.status();
    if (s.state !== 'warming_up' || monoS - this.lastProgressLogS < PROGRESS_LOG_INTERVAL_S) return;
    this.lastProgressLogS = monoS;
    this.deps.logger.info(`warm-up ${Math.round(s.warmup_progress * 100)}% complete, ${Math.ceil(s.warmup_remaining_s)} s remaining`);
  }
}
