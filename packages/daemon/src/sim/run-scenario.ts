import { performance } from 'node:perf_hooks';
import { validateConfig, type Config } from '@chronotick/config';
import { buildSimWorld, type SimScenario, type SimWorld, type SimWorldOptions } from '@chronotick/sim';
import { createModelRegistry, type ForecasterRegistry } from '@chronotick/tsfm';
import type { LeapStatus } from '../engine/leap-watch';
import type { ServedRecord } from '../engine/served-calibration';
import { silentLogger, type Logger } from '../log';
import { TimeRuntime } from '../runtime/time-runtime';
import { ServedScorer, type ServedScore } from './served-score';

export interface ScenarioRunOptions {
  /**
   * The daemon's configuration before the scenario's overrides (its servers and
   * polling) are applied, as a plain YAML-shaped object; the embedded defaults if absent.
   */
  baseConfig?: Record<string, unknown>;
  registry?: ForecasterRegistry;
  logger?: Logger;
  world?: SimWorldOptions;
  /** Called at every query with the answer and the truth (tests look closer). */
  onQuery?: (q: Parameters<ServedScorer['add']>[0], world: SimWorld, runtime: TimeRuntime) => void;
}

/** A simulated run's figures. */
export interface ScenarioReport extends ServedScore {
  scenario: string;
  seed: number;
  /** The scenario's own fixed polling, or the daemon's default (adaptive) polling. */
  polling: string;
  hours: number;
  /** NTP requests sent to each server over the run (lost ones too): what etiquette is judged on. */
  requests: Record<string, number>;
  /** Wall-clock seconds the run took, and per simulated hour. */
  wall_s: number;
  wall_s_per_sim_hour: number;
  /** Measurements the pipeline holds at the end, and corrections installed. */
  measurements: number;
  corrections: number;
  /** Each predictor's weight at the end. */
  weights: Record<string, number>;
  /** Each server at the end: the sampler's view and its share of the last round. */
  servers: { name: string; state: string; kod: string | null; share: number | null }[];
  /** Which servers were followed around a leap second: the status during the last leap window, if any. */
  leap_window: LeapStatus | null;
  /** The daemon's own record at the end (what get_daemon_status would say), to hold beside the truth. */
  record: ServedRecord;
}

/**
 * Runs the daemon's own runtime — the NTP schedule with the real sampler, the model
 * scheduler with the real models, the host clock watch, and the one TimePipeline they
 * feed — against a simulated world in virtual time, and scores what `get_time` would
 * have answered at every query instant against the truth.
 */
export async function runScenario(scenario: SimScenario, options: ScenarioRunOptions = {}): Promise<ScenarioReport> {
  const startedMs = performance.now();
  const world = buildSimWorld(scenario, options.world);
  const { scheduler, hostClock, network } = world;
  const config = scenarioConfig(scenario, options.baseConfig ?? {});
  const runtime = new TimeRuntime({
    config,
    clock: hostClock,
    logger: options.logger ?? silentLogger,
    timers: { ...scheduler.timers, track: (work) => scheduler.track(work) },
    covariates: (): Record<string, number> => {
      const temperatureC = hostClock.temperatureC();
      return temperatureC === null ? {} : { temperature_c: temperatureC };
    },
    registry: options.registry ?? createModelRegistry(),
    query: network.query,
    resolver: network.resolver,
  });
  const scorer = new ServedScorer(scenario.queryIntervalS);
  // The truth is a continuous count; UTC repeats the leap second, and UTC is what is served.
  const leapAtTrueS = scenario.leapAtS === undefined ? Infinity : scenario.startS + scenario.leapAtS;
  let leapWindow: LeapStatus | null = null;
  scheduler.setInterval(() => {
    const trueS = scheduler.nowS;
    const query = {
      answer: runtime.pipeline.timeAnswer(runtime.readClock().realtimeS),
      trueOffsetS: hostClock.trueOffsetAtTrue(trueS) - (trueS >= leapAtTrueS ? 1 : 0),
      trueDriftSPerS: hostClock.trueDriftAtTrue(trueS),
    };
    scorer.add(query);
    const leap = runtime.pipeline.leapStatus;
    if (leap.following !== 'all') leapWindow = leap;
    options.onQuery?.(query, world, runtime);
  }, scenario.queryIntervalS * 1000);
  await scheduler.track(runtime.start());
  await scheduler.runUntil(world.endS);
  await runtime.stop();
  const wallS = (performance.now() - startedMs) / 1000;
  const hours = scenario.durationS / 3600;
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    polling: scenario.polling,
    hours,
    requests: { ...network.requests },
    ...scorer.report(),
    wall_s: wallS,
    wall_s_per_sim_hour: wallS / hours,
    measurements: runtime.pipeline.discipline.measurements.length,
    corrections: runtime.pipeline.totalCorrections,
    weights: { ...runtime.pipeline.predictors.weights() },
    servers: runtime.ntp.status().servers.map((srv) => ({
      name: srv.name,
      state: srv.state,
      kod: srv.kod,
      share: runtime.pipeline.serverShares[srv.name] ?? null,
    })),
    leap_window: leapWindow,
    record: runtime.pipeline.calibration.record(hostClock.now().realtimeS),
  };
}

/** The daemon's config for a scenario: the base, with the scenario's servers and polling over it. */
export function scenarioConfig(scenario: SimScenario, base: Record<string, unknown>): Config {
  return validateConfig(deepMerge(base, scenario.config as unknown as Record<string, unknown>), `scenario ${scenario.name}`);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
