import { DEFAULT_CONFIG, type Config } from '@chronotick/config';
import { createModelRegistry, SeededRandom, type SyncForecaster } from '@chronotick/tsfm';
import { buildFutureAnswer, buildTimeAnswer } from '../src/engine/answer';
import { ClockDiscipline } from '../src/engine/clock-discipline';
import { extrapolate, type Correction } from '../src/engine/correction';
import { ForecastLoop } from '../src/engine/forecast-loop';
import type { Logger } from '../src/log';

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

const silent: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  trace: () => undefined,
  isLevelEnabled: () => false,
  close: async () => undefined,
};

const config: Config = {
  ...DEFAULT_CONFIG,
  short_term: { ...DEFAULT_CONFIG.short_term, enabled: false },
  long_term: { ...DEFAULT_CONFIG.long_term, model_name: 'oracle', inference_interval: POLL_S, prediction_horizon: 30 },
};

/**
 * The daemon's forecasting side driven round by round in virtual time, as the sync
 * loop drives it: score the standing predictions, add the measurement, update, infer,
 * fuse. `infer` false skips the model's run (a stalled model).
 */
class Rig {
  nowS = T0;
  served: Correction | undefined;
  readonly discipline = new ClockDiscipline({ historyLimit: 512, fitWindow: 64, freeRunningAfterS: 3600 });
  readonly loop: ForecastLoop;
  private readonly rng = new SeededRandom(3);

  constructor() {
    const registry = createModelRegistry().register('oracle', () => oracle);
    this.loop = new ForecastLoop({
      config,
      discipline: this.discipline,
      logger: silent,
      nowS: () => this.nowS,
      onForecast: () => undefined,
      registry,
    });
  }

  async round(infer = true): Promise<void> {
    this.nowS += POLL_S;
    const excessS = this.rng.exponential(50e-6);
    const m = {
      tS: this.nowS,
      offsetS: trueOffsetS(this.nowS) + (this.rng.next() - 0.5) * excessS,
      boundS: excessS / 2 + 1e-6,
      delayS: 0.02 + excessS,
      servers: ['s'],
    };
    const served = this.served;
    if (served) this.loop.observe([m], this.discipline.correctionAt(this.nowS), (tS) => extrapolate(served, tS, 50).offsetS);
    this.discipline.add([m], this.nowS);
    this.loop.updateStatistical(this.discipline.measurements, this.nowS);
    if (infer) await this.loop.inferNow();
    this.served = this.loop.fuse(this.discipline.correctionAt(this.nowS), this.nowS);
  }
}

describe('the forecasting loop', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = new Rig();
    rig.loop.start();
    while (!rig.loop.status().find((m) => m.role === 'long_term')?.loaded) await new Promise((r) => setImmediate(r));
  });
  afterEach(async () => rig.loop.stop());

  test('a long-term model that earned its weight bends the projection to its forecast', async () => {
    for (let k = 0; k < 120; k++) await rig.round();
    const served = rig.served as Correction;
    expect(rig.loop.weights().long_term).toBeGreaterThan(0.5);
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
    expect(rig.loop.weights().long_term).toBeGreaterThan(0.5);
    // Two polls without a run are within its schedule's slack; five are not.
    for (let k = 0; k < 2; k++) await rig.round(false);
    expect(rig.loop.weights().long_term).toBeGreaterThan(0.5);
    for (let k = 0; k < 3; k++) await rig.round(false);
    expect(rig.loop.weights().long_term).toBeLessThan(0.01);
  });

  test('a model run that began before a reset does not store its forecast', async () => {
    for (let k = 0; k < 20; k++) await rig.round();
    const before = rig.loop.status().find((m) => m.role === 'long_term')?.last_inference_time;
    rig.nowS += 10;
    const running = rig.loop.inferNow();
    rig.loop.reset();
    await running;
    expect(rig.loop.status().find((m) => m.role === 'long_term')?.last_inference_time).toBe(before);
    await rig.loop.inferNow();
    expect(rig.loop.status().find((m) => m.role === 'long_term')?.last_inference_time).toBe(rig.nowS);
  });
});
