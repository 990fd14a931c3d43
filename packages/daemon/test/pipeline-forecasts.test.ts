import { DEFAULT_CONFIG, type Config } from '@chronotick/config';
import { createModelRegistry, SeededRandom, type SyncForecaster } from '@chronotick/tsfm';
import { buildFutureAnswer, buildTimeAnswer } from '../src/engine/answer';
import type { Correction } from '../src/engine/correction';
import { TimePipeline } from '../src/engine/time-pipeline';
import { ModelScheduler } from '../src/runtime/model-scheduler';
import { silentLogger } from '../src/log';

const T0 = 1_800_000_000;
const POLL_S = 64;
/** A clock whose drift changes by 10 ppm an hour: a drift line soon misses. */
const trueOffsetS = (tS: number): number => 0.01 + 20e-6 * (tS - T0) + 0.5 * (10e-6 / 3600) * (tS - T0) ** 2;

/** A long-term "model" that knows the clock: what fusion should learn to trust. */
const oracle: SyncForecaster = {
  name: 'oracle',
  mode: 'sync',
  forecast: (_history, targets) => ({
    model: 'oracle',
    points: targets.map((tS) => ({ tS, meanS: trueOffsetS(tS), sigmaS: 1e-4 })),
    drift: null,
  }),
};

const config: Config = {
  ...DEFAULT_CONFIG,
  short_term: { ...DEFAULT_CONFIG.short_term, enabled: false },
  long_term: { ...DEFAULT_CONFIG.long_term, model_name: 'oracle', inference_interval: POLL_S, prediction_horizon: 30 },
};

/** Timers that never fire: the test runs the models itself, round by round. */
const noTimers = { setTimeout: () => null, clearTimeout: () => undefined };

/**
 * The pipeline and the model scheduler driven round by round in virtual time, as the
 * daemon's runtime drives them: a round of measurements, then (unless `infer` is false,
 * a stalled model) a model run whose forecast goes back to the pipeline.
 */
class Rig {
  nowS = T0;
  readonly pipeline = new TimePipeline(config, T0, silentLogger);
  readonly models: ModelScheduler;
  private readonly rng = new SeededRandom(3);

  constructor() {
    this.models = new ModelScheduler({
      config,
      logger: silentLogger,
      timers: noTimers,
      nowS: () => this.nowS,
      input: () => this.pipeline.modelInput(),
      onForecast: (role, forecast, madeAtS, generation) => this.pipeline.onForecast(role, forecast, madeAtS, generation, this.nowS),
      registry: createModelRegistry().register('oracle', () => oracle),
    });
  }

  get served(): Correction {
    return this.pipeline.current;
  }

  weights(): Readonly<Record<string, number>> {
    return this.pipeline.predictors.weights();
  }

  lastInferenceS(): number | null {
    return this.models.slots.find((s) => s.role === 'long_term')?.lastInferenceS ?? null;
  }

  async round(infer = true): Promise<void> {
    this.nowS += POLL_S;
    const excessS = this.rng.exponential(50e-6);
    const boundS = excessS / 2 + 1e-6;
    const sample = {
      tS: this.nowS,
      offsetS: trueOffsetS(this.nowS) + (this.rng.next() - 0.5) * excessS,
      boundS,
      uncertaintyS: boundS / Math.sqrt(3),
      delayS: 0.02 + excessS,
      server: 's',
      leap: 0 as const,
    };
    this.pipeline.onRound({ samples: [sample], warmingUp: false }, this.nowS);
    if (infer) await this.models.inferNow();
  }
}

describe('model forecasts through the pipeline', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = new Rig();
    await rig.models.start();
  });
  afterEach(async () => rig.models.stop());

  test('a long-term model that earned its weight bends the projection to its forecast', async () => {
    for (let k = 0; k < 120; k++) await rig.round();
    const served = rig.served as Correction;
    expect(rig.weights().long_term).toBeGreaterThan(0.5);
    expect(served.projection?.length).toBeGreaterThan(0);

    const ctx = {
      systemTimeS: rig.nowS,
      daemonStatus: 'ready' as const,
      maxDriftPpm: 50,
      coverage: 0.95,
      notBeforeS: -Infinity,
      pendingSlewS: 0,
    };
    const errorAt = (c: Correction, futureS: number): number =>
      Math.abs(buildFutureAnswer(c, ctx, futureS).projected_time - (rig.nowS + futureS + trueOffsetS(rig.nowS + futureS)));
    const { projection: _, ...driftLineOnly } = served;
    // 15 minutes ahead the drift has moved by 2.5 ppm: the drift line misses by ~1 ms.
    expect(errorAt(driftLineOnly, 900)).toBeGreaterThan(500e-6);
    expect(errorAt(served, 900)).toBeLessThan(50e-6);
    // Asked a minute later, from the same correction, the projection still follows it.
    const laterCtx = { ...ctx, systemTimeS: rig.nowS + 60 };
    const laterError = Math.abs(
      buildFutureAnswer(served, laterCtx, 840).projected_time -
        (rig.nowS + 900 + trueOffsetS(rig.nowS + 900)) -
        (buildTimeAnswer(served, laterCtx).corrected_time - (rig.nowS + 60 + trueOffsetS(rig.nowS + 60))),
    );
    expect(laterError).toBeLessThan(50e-6);
  });

  test('a model that stops running loses its weight as its forecast ages', async () => {
    for (let k = 0; k < 120; k++) await rig.round();
    expect(rig.weights().long_term).toBeGreaterThan(0.5);
    // Two polls without a run are within its schedule's slack; five are not.
    for (let k = 0; k < 2; k++) await rig.round(false);
    expect(rig.weights().long_term).toBeGreaterThan(0.5);
    for (let k = 0; k < 3; k++) await rig.round(false);
    expect(rig.weights().long_term).toBeLessThan(0.01);
  });

  test('a model run that began before a host clock step does not store its forecast', async () => {
    for (let k = 0; k < 20; k++) await rig.round();
    const before = rig.lastInferenceS();
    rig.nowS += 10;
    const running = rig.models.inferNow();
    rig.pipeline.onHostClockStep(0.5, rig.nowS);
    await running;
    expect(rig.lastInferenceS()).toBe(before);
    expect(rig.pipeline.predictors.forecastMadeAtS('long_term')).toBeNull();
    for (let k = 0; k < 8; k++) await rig.round(false);
    await rig.models.inferNow();
    expect(rig.lastInferenceS()).toBe(rig.nowS);
  });
});
