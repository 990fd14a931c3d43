import * as net from 'node:net';
import type { Config } from '@chronotick/config';
import { DEFAULT_CONFIDENCE_LEVEL, type DaemonStatusAnswer } from '@chronotick/protocol';
import type { HostClock } from '@chronotick/ntp';
import * as path from 'node:path';
import type * as http from 'node:http';
import { extrapolate } from './engine/correction';
import { ForecastLoop } from './engine/forecast-loop';
import { SyncLoop } from './engine/sync-loop';
import { TimeEngine } from './engine/time-engine';
import { AuditLog } from './ops/audit-log';
import { loadState, removeStaleTemps, saveState, type SavedState } from './state/state-file';
import { startMetricsServer } from './ops/metrics-server';
import type { Logger } from './log';
import type { Handlers } from './server/dispatch';
import { RequestStats } from './server/request-stats';
import { listenOnSocketFile, removeSocketFile } from './server/socket-file';
import { SocketServer } from './server/socket-server';
import { VERSION } from './version';

/** State is saved this often, and on shutdown. */
const STATE_SAVE_INTERVAL_MS = 60_000;
/** Measurements kept in the state file: enough for every model's context. */
const STATE_MEASUREMENTS_KEPT = 1024;

export interface DaemonOptions {
  config: Config;
  socketPath: string;
  stateDir: string;
  /** systemd's $LOGS_DIRECTORY, where the audit log goes when set. */
  logsDir?: string | undefined;
  logger: Logger;
  clock: HostClock;
}

/**
 * chronotickd as a library: the engine, the socket server and the status they report,
 * composed. The binary adds flags, signals and exit codes around it; tests start it
 * in-process on a temp socket.
 */
export class Daemon {
  readonly engine: TimeEngine;
  private readonly stats = new RequestStats();
  private readonly startedMonoS: number;
  private server: SocketServer | undefined;
  private listener: net.Server | undefined;
  private metrics: http.Server | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  readonly sync: SyncLoop;
  readonly forecasts: ForecastLoop;
  private readonly audit: AuditLog | undefined;

  constructor(private readonly opts: DaemonOptions) {
    this.engine = new TimeEngine(opts.clock, {
      maxDriftPpm: opts.config.clock_measurement.max_drift_ppm,
      coverage: opts.config.fusion.coverage,
    });
    this.startedMonoS = opts.clock.now().monotonicS;
    const { audit } = opts.config;
    this.audit = audit.enabled
      ? new AuditLog({
          file: audit.file ?? path.join(opts.logsDir ?? opts.stateDir, 'audit.jsonl'),
          maxBytes: audit.max_bytes,
          keep: audit.keep,
          onError: (err) => opts.logger.warn(`audit log: ${err.message}`),
        })
      : undefined;
    this.sync = new SyncLoop({
      config: opts.config,
      clock: opts.clock,
      engine: this.engine,
      logger: opts.logger,
      audit: this.audit,
    });
    this.forecasts = new ForecastLoop({
      config: opts.config,
      discipline: this.sync.discipline,
      logger: opts.logger,
      nowS: () => opts.clock.now().realtimeS,
      onForecast: () => this.sync.refreshFromForecasts(),
    });
    this.sync.attachForecasts(this.forecasts);
  }

  async start(): Promise<void> {
    // The server gets its connection handler before it listens: a client that connects
    // the moment the socket file appears must be served, not left unheard.
    this.listener = net.createServer({ allowHalfOpen: false });
    this.server = new SocketServer(this.listener, {
      handlers: this.handlers(),
      stats: this.stats,
      logger: this.opts.logger,
      ratePerSecond: this.opts.config.server.rate_limit_per_second,
      monotonicS: () => this.opts.clock.now().monotonicS,
    });
    await listenOnSocketFile(this.listener, this.opts.socketPath);
    this.opts.logger.info(`listening on ${this.opts.socketPath}`, { version: VERSION });
    const port = this.opts.config.metrics.port;
    if (port !== undefined) {
      this.metrics = await startMetricsServer({ port, status: () => this.status() });
      this.opts.logger.info(`metrics on http://127.0.0.1:${port}/metrics`);
    }
    this.restoreState();
    this.sync.start();
    this.forecasts.start();
    this.saveTimer = setInterval(() => void this.persist(), STATE_SAVE_INTERVAL_MS);
    this.saveTimer.unref();
    this.opts.logger.info(`measuring against ${this.opts.config.clock_measurement.ntp.servers.join(', ')}`);
  }

  /** Stops accepting, finishes in-flight requests, removes the socket file. */
  async stop(): Promise<void> {
    if (this.saveTimer) clearInterval(this.saveTimer);
    await this.sync.stop();
    await this.forecasts.stop();
    await this.persist();
    const metrics = this.metrics;
    if (metrics) await new Promise<void>((resolve) => metrics.close(() => resolve()));
    if (this.server) await this.server.drain(this.opts.config.server.drain_timeout_seconds * 1000);
    removeSocketFile(this.opts.socketPath);
    this.server = undefined;
    await this.audit?.flush();
  }

  /** Saved state younger than state.max_age_seconds spares a full warm-up. */
  private restoreState(): void {
    const nowS = this.opts.clock.now().realtimeS;
    for (const name of removeStaleTemps(this.opts.stateDir)) this.opts.logger.info(`removed ${name}, left by an interrupted state write`);
    const loaded = loadState(this.opts.stateDir, nowS, this.opts.config.state.max_age_seconds);
    if (!loaded.ok) {
      const log = loaded.reason === 'missing' ? this.opts.logger.debug : this.opts.logger.warn;
      log(`not using saved state: ${loaded.detail}`);
      return;
    }
    const { measurements } = loaded.state;
    this.forecasts.calibrator.restore(loaded.state.calibration);
    this.sync.restore(
      measurements.map((m) => ({ tS: m.t, offsetS: m.offset_s, delayS: m.delay_s, server: m.server })),
      measurements.map((m) => m.bound_s),
    );
    this.opts.logger.info(`restored ${measurements.length} measurements saved ${loaded.ageS.toFixed(0)} s ago`);
  }

  /** Writes what was learned; failures are logged, never fatal. */
  async persist(): Promise<void> {
    const { measurements, bounds } = this.sync.discipline;
    if (measurements.length === 0) return;
    const keep = measurements.slice(-STATE_MEASUREMENTS_KEPT);
    const keptBounds = bounds.slice(-keep.length);
    const state: SavedState = {
      format: 1,
      saved_at: this.opts.clock.now().realtimeS,
      measurements: keep.map((m, i) => ({
        t: m.tS,
        offset_s: m.offsetS,
        delay_s: m.delayS,
        bound_s: keptBounds[i] ?? 0,
        server: m.server ?? '',
      })),
      calibration: this.forecasts.calibrator.snapshot(),
    };
    try {
      await saveState(this.opts.stateDir, state);
    } catch (err) {
      this.opts.logger.warn(`cannot save state to ${this.opts.stateDir}: ${(err as Error).message}`);
    }
  }

  private uptimeS(): number {
    return this.opts.clock.now().monotonicS - this.startedMonoS;
  }

  private handlers(): Handlers {
    return {
      ping: () => ({ pong: true, version: VERSION, uptime_seconds: this.uptimeS() }),
      get_time: ({ include_stats }) => {
        const answer = this.engine.getTime();
        if (include_stats) answer.detailed_stats = this.detailedStats(answer.system_time);
        return answer;
      },
      get_daemon_status: () => this.status(),
      get_time_with_future_uncertainty: ({ future_seconds }) => this.engine.getTimeWithFutureUncertainty(future_seconds),
      get_time_with_confidence_interval: ({ confidence_level }) =>
        this.engine.getTimeWithConfidenceInterval(confidence_level ?? DEFAULT_CONFIDENCE_LEVEL),
    };
  }

  /** What lies behind an answer made at host time `atS`, for `include_stats`. */
  private detailedStats(atS: number): Record<string, unknown> {
    const c = this.engine.current;
    const discipline = this.sync.discipline;
    // What the NTP linear fit alone would have served at the same instant: the baseline
    // fusion has to beat, comparable answer by answer.
    const linear =
      discipline.measurements.length > 0
        ? extrapolate(discipline.correctionAt(atS), atS, this.opts.config.clock_measurement.max_drift_ppm).offsetS
        : null;
    return {
      linear_fit_offset_correction: linear,
      source_weights: this.forecasts.weights(),
      reference_time: c.refTimeS,
      offset_at_reference: c.offsetS,
      last_measurement_time: c.lastMeasurementS,
      measurements: this.sync.discipline.measurements.length,
      covariates: this.sync.discipline.measurements.at(-1)?.covariates ?? null,
      max_drift_ppm: this.opts.config.clock_measurement.max_drift_ppm,
      uptime_seconds: this.uptimeS(),
      requests: this.stats.total,
    };
  }

  status(): DaemonStatusAnswer {
    const c = this.engine.current;
    const sampler = this.sync.samplerStatus();
    const weights = this.sync.weights;
    const now = this.engine.getTime();
    return {
      status: this.engine.status,
      clock_status: c.clockStatus,
      warmup_progress: sampler.warmup_progress,
      warmup_remaining_seconds: sampler.warmup_remaining_s,
      total_corrections: this.engine.totalCorrections,
      success_rate: this.stats.successRate,
      average_latency_ms: this.stats.averageLatencyMs,
      memory_usage_mb: process.memoryUsage().rss / 2 ** 20,
      uptime_seconds: this.uptimeS(),
      last_error: this.stats.lastError,
      version: VERSION,
      pid: process.pid,
      socket_path: this.opts.socketPath,
      offset_correction: now.offset_correction,
      offset_uncertainty: now.offset_uncertainty,
      drift_rate: c.driftRate,
      drift_uncertainty: c.driftSigma,
      source: c.source,
      leap_indicator: this.sync.leapIndicator,
      ntp: {
        servers: sampler.servers.map((srv) => ({ ...srv, weight: weights[srv.name] ?? null })),
        last_measurement_time: this.sync.discipline.lastMeasurementS,
        summary: sampler.message,
      },
      models: this.forecasts.status(),
    };
  }
}
