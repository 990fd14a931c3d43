import {
  DRIFT_WANDER_CANDIDATES,
  KalmanDriftFilter,
  createKalmanForecaster,
  kalmanSampleSigmasS,
  simulate,
  simulateScenario,
  type Measurement,
} from '../src';
import { walkForward } from './helpers';

describe('Kalman drift filter', () => {
  test.each([
    ['quartz_drift', 12e-6],
    ['vm_fast_drift', 150e-6],
  ])('tracks the drift of %s', (name, nominalDrift) => {
    const { measurements } = simulateScenario(name, { seed: 4, durationS: 3 * 3600 });
    const f = createKalmanForecaster().forecast(measurements, [measurements[measurements.length - 1]!.tS + 60]);
    const drift = f.drift!;
    // Wander moves the true drift a little from the nominal one; the filter must follow within its sigma.
    expect(Math.abs(drift.rateSPerS - nominalDrift)).toBeLessThan(Math.max(4 * drift.sigmaSPerS, 0.5e-6));
    expect(drift.sigmaSPerS).toBeLessThan(1e-6);
  });

  test('follows a drift that changes (temperature cycle) better than a constant drift would', () => {
    const { measurements } = simulateScenario('temperature_cycles', { seed: 2 });
    const errors: number[] = [];
    const forecaster = createKalmanForecaster();
    for (let i = 50; i < measurements.length; i += 10) {
      const next = measurements[i]!;
      const p = forecaster.forecast(measurements.slice(0, i), [next.tS]).points[0]!;
      errors.push(Math.abs(p.meanS - next.trueOffsetS!));
    }
    const mae = errors.reduce((a, b) => a + b, 0) / errors.length;
    expect(mae).toBeLessThan(0.002);
  });

  test('rejects a 630 ms outlier through the innovation gate', () => {
    const filter = new KalmanDriftFilter();
    const results: boolean[] = [];
    for (let i = 0; i < 30; i++) {
      const m: Measurement = { tS: 1.7e9 + i * 120, offsetS: i === 20 ? 0.63 : 0.002 + (i % 2 ? 1e-4 : -1e-4), delayS: null };
      results.push(filter.update(m, 2e-4).accepted);
    }
    expect(results[20]).toBe(false);
    expect(results.filter((a) => !a)).toHaveLength(1);
    expect(filter.current()!.offsetS).toBeCloseTo(0.002, 3);
  });

  test('re-anchors after a step instead of rejecting the new level forever', () => {
    const filter = new KalmanDriftFilter({ maxConsecutiveRejects: 3 });
    for (let i = 0; i < 40; i++) {
      filter.update({ tS: i * 60, offsetS: i >= 25 ? 0.05 : 0, delayS: null }, 1e-4);
    }
    expect(filter.current()!.offsetS).toBeCloseTo(0.05, 3);
    expect(filter.current()!.rejected).toBe(3);
  });

  test('uncertainty grows in holdover and never goes negative', () => {
    const { measurements } = simulate({
      seed: 3,
      durationS: 3600,
      intervalS: 60,
      clock: { initialOffsetS: 0, offsetDriftPpm: 10 },
      network: { baseDelayS: 0.01, queueMeanS: 0.0005 },
    });
    const last = measurements[measurements.length - 1]!.tS;
    const f = createKalmanForecaster().forecast(measurements, [last + 60, last + 600, last + 3600]);
    const sigmas = f.points.map((p) => p.sigmaS);
    expect(sigmas[0]).toBeGreaterThan(0);
    expect(sigmas[1]).toBeGreaterThan(sigmas[0]!);
    expect(sigmas[2]).toBeGreaterThan(sigmas[1]!);
  });

  test('one measurement: holds it, finite sigma; none: typed error', () => {
    const f = createKalmanForecaster().forecast([{ tS: 100, offsetS: 0.01, delayS: null }], [160]);
    expect(f.points[0]!.meanS).toBe(0.01);
    expect(Number.isFinite(f.points[0]!.sigmaS)).toBe(true);
    expect(() => createKalmanForecaster().forecast([], [1])).toThrow(expect.objectContaining({ code: 'TSFM_INSUFFICIENT_HISTORY' }));
    expect(() => new KalmanDriftFilter().predict(1)).toThrow(expect.objectContaining({ code: 'TSFM_INSUFFICIENT_HISTORY' }));
  });

  test('sample sigmas: 0.35 of the excess delay counted from below the minimum, by a 7th of its lower quartile; stated ones as they are', () => {
    // Excess delays 0, 0.1 … 1.9 ms over a 20 ms path; the lower quartile (lower) is 0.4 ms.
    const window: Measurement[] = Array.from({ length: 20 }, (_, i) => ({ tS: i * 64, offsetS: 0, delayS: 0.02 + i * 1e-4 }));
    window.push({ tS: 20 * 64, offsetS: 0, delayS: 0.05, uncertaintyS: 3e-4 });
    const sigmas = kalmanSampleSigmasS(window);
    const floorS = (0.35 * 4e-4) / 7;
    expect(sigmas[0]).toBeCloseTo(floorS, 12);
    expect(sigmas[19]).toBeCloseTo(floorS + 0.35 * 1.9e-3, 12);
    // Noisier exchanges count for less than the even split's d/√12 would say.
    expect(sigmas[19]).toBeGreaterThan(Math.hypot(1e-4, 1.9e-3) / Math.sqrt(12));
    expect(sigmas[20]).toBe(3e-4);
    // A stated floor replaces the measured one.
    expect(kalmanSampleSigmasS(window, 5e-5)[0]).toBeCloseTo(5e-5, 12);
  });

  test('sample sigmas without delays: all the noise of successive differences', () => {
    const window: Measurement[] = Array.from({ length: 40 }, (_, i) => ({ tS: i * 64, offsetS: i % 2 ? 2e-4 : -2e-4, delayS: null }));
    const sigmas = kalmanSampleSigmasS(window);
    expect(new Set(sigmas).size).toBe(1);
    expect(sigmas[0]).toBeGreaterThan(1e-4);
  });

  // The clocks' wander spans 20× (0.05 ppm/√h quartz, 1 ppm/√h VM, a temperature cycle of
  // ±1.5 ppm); no one fixed wander serves all three, the likelihood's pick is never near
  // the worst and within 2× of the best (on these: quartz 76–107 µs, best 56–62, worst
  // 193–208; VM 250–365, best 237–323, worst 477–700; cycles 205–226, best 198–234, worst 901–1552).
  test.each(['quartz_drift', 'vm_fast_drift', 'temperature_cycles'])('%s: the drift wander its own record makes most likely', (name) => {
    for (const seed of [1, 2, 3]) {
      const series = simulateScenario(name, { seed, durationS: 6 * 3600 }).measurements.slice(0, 400);
      const chosen = walkForward(createKalmanForecaster(), series, 20).rmseS;
      const fixed = DRIFT_WANDER_CANDIDATES.map((q) => walkForward(createKalmanForecaster({ driftWanderPerS: q }), series, 20).rmseS);
      expect(chosen).toBeLessThan(0.6 * Math.max(...fixed));
      expect(chosen).toBeLessThan(2 * Math.min(...fixed));
    }
  });
});
