import * as net from 'node:net';
import type { Config } from '@chronotick/config';
import { DEFAULT_CONFIDENCE_LEVEL, type DaemonStatusAnswer } from '@chronotick/protocol';
import type { HostClock } from '@chronotick/ntp';
import type { ForecasterRegistry } from '@chronotick/tsfm';
import * as path from 'node:path';
import type * as http from 'node:http';
import { readCovariates } from './clock/covariates';
import { extrapolate } from './engine/correction';
import { pastInterval, pastIntervalInput } from './engine/past-interval';
import { AuditLog } from './ops/audit-log';
import { modelStatuses, predictorWeights, recordOf } from './ops/model-status';
import { TimeRuntime } from './runtime/time-runtime';
import { nodeTimers } from './runtime/timers';
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
  /** The model registry; the shipped models by default (tests register their own). */
  registry?: ForecasterRegistry;
}

/**
 * chronotickd as a library: the time runtime, the socket server and the status they report,
 * composed. The binary adds flags, signals and exit codes around it; tests start it
 * in-process on a temp socket.
 */
export class Daemon {
  readonly runtime: TimeRuntime;
  private readonly stats = new RequestStats();
  private readonly startedMonoS: number;
  private server: SocketServer | undefined;
  private listener: net.Server | undefined;
  private metrics: http.Server | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly audit: AuditLog | undefined;

  constructor(private readonly opts: DaemonOptions) {
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
    this.runtime = new TimeRuntime({
      config: opts.config,
      clock: opts.clock,
      logger: opts.logger,
      timers: nodeTimers,
      covariates: () => ({ ...readCovariates() }),
      audit: this.audit,
      ...(opts.registry ? { registry: opts.registry } : {}),
    });
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
    void this.runtime.start();
    this.saveTimer = setInterval(() => void this.persist(), STATE_SAVE_INTERVAL_MS);
    this.saveTimer.unref();
    this.opts.logger.info(`measuring against ${this.opts.config.clock_measurement.ntp.servers.join(', ')}`);
  }

  /** Stops accepting, finishes in-flight requests, removes the socket file. */
  async stop(): Promise<void> {
    if (this.saveTimer) clearInterval(this.saveTimer);
    await this.runtime.stop();
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
    this.runtime.restore(
      measurements.map((m) => ({
        tS: m.t,
        offsetS: m.offset_s,
        delayS: m.delay_s,
        boundS: m.bound_s,
        server: m.server,
      })),
      loaded.state.calibration,
    );
    this.opts.logger.info(`restored ${measurements.length} measurements saved ${loaded.ageS.toFixed(0)} s ago`);
  }

  /** Writes what was learned; failures are logged, never fatal. */
  async persist(): Promise<void> {
    const { pipeline } = this.runtime;
    const measurements = pipeline.discipline.measurements;
    if (measurements.length === 0) return;
    const state: SavedState = {
      format: 1,
      saved_at: this.opts.clock.now().realtimeS,
      measurements: measurements.slice(-STATE_MEASUREMENTS_KEPT).map((m) => ({
        t: m.tS,
        offset_s: m.offsetS,
        delay_s: m.delayS,
        bound_s: m.boundS ?? 0,
        server: m.server ?? '',
      })),
      calibration: pipeline.predictors.calibrator.snapshot(),
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
    const pipeline = this.runtime.pipeline;
    const nowS = (): number => this.runtime.readClock().realtimeS;
    return {
      ping: () => ({ pong: true, version: VERSION, uptime_seconds: this.uptimeS() }),
      get_time: ({ include_stats }) => {
        const answer = pipeline.timeAnswer(nowS());
        if (include_stats) answer.detailed_stats = this.detailedStats(answer.system_time);
        return answer;
      },
      get_daemon_status: () => this.status(),
      get_time_with_future_uncertainty: ({ future_seconds }) => pipeline.futureAnswer(nowS(), future_seconds),
      get_time_with_confidence_interval: ({ confidence_level }) =>
        pipeline.confidenceAnswer(nowS(), confidence_level ?? DEFAULT_CONFIDENCE_LEVEL),
      get_time_at: ({ system_time }) =>
        pastInterval(pastIntervalInput(pipeline, this.opts.config.clock_measurement.max_drift_ppm, nowS()), system_time),
    };
  }

  /** What lies behind an answer made at host time `atS`, for `include_stats`. */
  private detailedStats(atS: number): Record<string, unknown> {
    const { pipeline } = this.runtime;
    const c = pipeline.current;
    const discipline = pipeline.discipline;
    // What the NTP linear fit alone would have served at the same instant: the baseline
    // fusion has to beat, comparable answer by answer.
    const linear = discipline.measurements.length > 0 ? extrapolate(discipline.correctionAt(atS, c.clockStatus), atS).offsetS : null;
    return {
      linear_fit_offset_correction: linear,
      source_weights: predictorWeights(this.runtime.models.slots, pipeline.predictors),
      reference_time: c.refTimeS,
      offset_at_reference: c.offsetS,
      last_measurement_time: c.lastMeasurementS,
      measurements: discipline.measurements.length,
      covariates: discipline.measurements.at(-1)?.covariates ?? null,
      max_drift_ppm: this.opts.config.clock_measurement.max_drift_ppm,
      uptime_seconds: this.uptimeS(),
      requests: this.stats.total,
    };
  }

  status(): DaemonStatusAnswer {
    const { pipeline } = this.runtime;
    const c = pipeline.current;
    const sampler = this.runtime.ntp.status();
    const shares = pipeline.serverShares;
    const now = pipeline.peekAnswer(this.opts.clock.now().realtimeS);
    return {
      status: pipeline.daemonStatus,
      clock_status: c.clockStatus,
      warmup_progress: sampler.warmup_progress,
      warmup_remaining_seconds: sampler.warmup_remaining_s,
      total_corrections: pipeline.totalCorrections,
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
      drift_rate: c.driftSPerS,
      drift_uncertainty: c.driftSigmaSPerS,
      source: c.source,
      leap_indicator: pipeline.leapIndicator,
      leap: pipeline.leapStatus,
      record: recordOf(pipeline, now),
      ntp: {
        servers: sampler.servers.map((srv) => ({ ...srv, weight: shares[srv.name] ?? null })),
        last_measurement_time: pipeline.discipline.lastMeasurementS,
        summary: sampler.message,
      },
      models: modelStatuses(this.runtime.models.slots, pipeline.predictors),
    };
  }
}
