import { buildSimWorld, simScenario, type SimWorld } from '@chronotick/sim';
import { createModelRegistry } from '@chronotick/tsfm';
import { TimeRuntime, scenarioConfig, silentLogger } from 'chronotickd';

/** A simulated host running the daemon's own time path, with its runtime exposed. */
export interface OrderingWorld {
  world: SimWorld;
  runtime: TimeRuntime;
  maxDriftPpm: number;
  /** The host clock now, Unix seconds. */
  hostNowS(): number;
  /** Runs the scenario to its end, then stops the runtime. */
  run(): Promise<void>;
}

/**
 * One simulated machine for the ordering tests: the scenario's world and the daemon's
 * runtime on it, statistical models only (what is tested is the bound, not the models,
 * and ONNX would only slow the run). The caller schedules its checks on
 * `world.scheduler` before `run()`.
 */
export function orderingWorld(name: string, seed: number, hours: number): OrderingWorld {
  const scenario = simScenario(name, { seed, hours });
  const world = buildSimWorld(scenario);
  const config = scenarioConfig(scenario, { short_term: { enabled: false }, long_term: { enabled: false } });
  const runtime = new TimeRuntime({
    config,
    clock: world.hostClock,
    logger: silentLogger,
    timers: { ...world.scheduler.timers, track: (work) => world.scheduler.track(work) },
    covariates: () => ({}),
    registry: createModelRegistry(),
    query: world.network.query,
    resolver: world.network.resolver,
  });
  return {
    world,
    runtime,
    maxDriftPpm: config.clock_measurement.max_drift_ppm,
    hostNowS: () => runtime.readClock().realtimeS,
    run: async () => {
      await world.scheduler.track(runtime.start());
      await world.scheduler.runUntil(world.endS);
      await runtime.stop();
    },
  };
}
