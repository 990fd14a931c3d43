import { SeededRandom, createLinearForecaster, createResidualArForecaster, periodicPart, type Measurement } from '../src';

const T0 = 1.7e9;
const POLL_S = 16;

/**
 * A clock polled every 16 s with 100 µs of measurement noise: a 30 ppm drift, plus one of
 * an air conditioner's swing (±300 µs every 15 min), a random walk of the frequency, or nothing.
 */
function clock(kind: 'cycle' | 'random_walk' | 'line', seed: number, n: number): { history: Measurement[]; truth: number[] } {
  const rng = new SeededRandom(seed);
  let frequency = 0;
  let walked = 0;
  const history: Measurement[] = [];
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i * POLL_S;
    if (kind === 'random_walk') {
      frequency += 0.05e-6 * Math.sqrt(POLL_S) * rng.normal();
      walked += frequency * POLL_S;
    }
    const swing = kind === 'cycle' ? 300e-6 * Math.sin((2 * Math.PI * t) / 900 + seed) : 0;
    const theta = 0.002 + 30e-6 * t + walked + swing;
    truth.push(theta);
    history.push({ tS: T0 + t, offsetS: theta + 100e-6 * rng.normal(), delayS: null, uncertaintyS: 100e-6 });
  }
  return { history, truth };
}

function partOf(history: readonly Measurement[]): ReturnType<typeof periodicPart> {
  const newestS = history[history.length - 1]!.tS;
  return periodicPart(
    history.map((m) => m.tS - newestS),
    history.map((m) => m.offsetS),
    history.map(() => 1 / 100e-6 ** 2),
  );
}

/** Largest |error| of a forecaster over the 10 minutes after `known` samples, against the truth. */
function outageErrorS(
  forecaster: ReturnType<typeof createLinearForecaster>,
  all: { history: Measurement[]; truth: number[] },
  known: number,
): number {
  const history = all.history.slice(0, known);
  const ahead = all.history.slice(known, known + 600 / POLL_S);
  const points = forecaster.forecast(
    history,
    ahead.map((m) => m.tS),
  ).points;
  return Math.max(...points.map((p, i) => Math.abs(p.meanS - all.truth[known + i]!)));
}

describe('a cycle in the offset', () => {
  test.each([1, 2, 3, 4, 5])('an air conditioner swing is found and carried through a 10-minute outage (seed %i)', (seed) => {
    const all = clock('cycle', seed, 500);
    const part = partOf(all.history.slice(0, 384));
    expect(part).not.toBeNull();
    expect(part!.periodS).toBeGreaterThan(900 * 0.98);
    expect(part!.periodS).toBeLessThan(900 * 1.02);
    expect(part!.amplitudeS).toBeGreaterThan(300e-6 * 0.85);
    expect(part!.amplitudeS).toBeLessThan(300e-6 * 1.15);
    // Coasting through an outage, the line drifts off by the swing; the cycle keeps to it.
    const withCycle = outageErrorS(createResidualArForecaster(), all, 440);
    const line = outageErrorS(createLinearForecaster(), all, 440);
    expect(withCycle).toBeLessThan(0.3 * line);
    expect(withCycle).toBeLessThan(150e-6);
  });

  test.each([1, 2, 3, 4, 5])('a random walk and a plain line show none: the forecast stays the line (seed %i)', (seed) => {
    for (const kind of ['random_walk', 'line'] as const) {
      const all = clock(kind, seed, 500);
      expect(partOf(all.history.slice(0, 440))).toBeNull();
      expect(outageErrorS(createResidualArForecaster(), all, 440)).toBeCloseTo(outageErrorS(createLinearForecaster(), all, 440), 9);
    }
  });

  test('a two-minute cycle is found at 10 s polls, ten polls a cycle', () => {
    const rng = new SeededRandom(7);
    const ts: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 360; i++) {
      ts.push((i - 359) * 10);
      ys.push(0.05 + 50e-6 * i * 10 + 200e-6 * Math.sin((2 * Math.PI * i * 10) / 120) + 50e-6 * rng.normal());
    }
    const part = periodicPart(
      ts,
      ys,
      ts.map(() => 1 / 50e-6 ** 2),
    );
    expect(part).not.toBeNull();
    expect(part!.periodS).toBeGreaterThan(120 * 0.99);
    expect(part!.periodS).toBeLessThan(120 * 1.01);
    expect(part!.amplitudeS).toBeGreaterThan(200e-6 * 0.9);
    expect(part!.amplitudeS).toBeLessThan(200e-6 * 1.1);
  });

  test('is not looked for before the older part of the window holds more than one cycle', () => {
    // 60 samples of 16 s: 16 min, the older three quarters 12 min, under 1.25 swings of 15 min.
    expect(partOf(clock('cycle', 1, 60).history)).toBeNull();
  });
});
