import type { Measurement } from '@chronotick/tsfm';
import { hardBoundOf, hardIntervalAt } from '../src/engine/hard-bound';

const T0 = 1_800_000_000;
const m = (dtS: number, offsetS: number, boundS: number): Measurement => ({ tS: T0 + dtS, offsetS, delayS: 2 * boundS, boundS });

describe('the hard bound', () => {
  test('one measurement: its interval, widened by the drift error as it ages', () => {
    const bound = hardBoundOf([m(0, 0.01, 0.002)], 10e-6, 50e-6);
    expect(bound).not.toBeNull();
    const at = hardIntervalAt(bound!, T0 + 100);
    // 0.01 ± 2 ms, carried 100 s at 10 ± 50 ppm.
    expect(at.lowS).toBeCloseTo(0.01 - 0.002 + (10e-6 - 50e-6) * 100, 12);
    expect(at.highS).toBeCloseTo(0.01 + 0.002 + (10e-6 + 50e-6) * 100, 12);
  });

  test('several measurements: the intersection of what each says, tighter than any one', () => {
    const history = [m(0, 0.0105, 0.002), m(10, 0.0095, 0.002), m(20, 0.0102, 0.002)];
    const at = hardIntervalAt(hardBoundOf(history, 0, 1e-6)!, T0 + 20);
    const newestOnly = hardIntervalAt(hardBoundOf(history.slice(-1), 0, 1e-6)!, T0 + 20);
    expect(at.highS - at.lowS).toBeLessThan(newestOnly.highS - newestOnly.lowS);
    expect(at.lowS).toBeCloseTo(0.0105 - 0.002 - 20e-6, 9);
    expect(at.highS).toBeCloseTo(0.0095 + 0.002 + 10e-6, 9);
  });

  test('constraints that do not meet (a lying server) fall back to the newest alone', () => {
    const history = [m(0, 0.05, 0.001), m(10, 0.01, 0.001)];
    const at = hardIntervalAt(hardBoundOf(history, 0, 1e-6)!, T0 + 10);
    expect(at.lowS).toBeCloseTo(0.009, 12);
    expect(at.highS).toBeCloseTo(0.011, 12);
  });

  test('no measurement with a bound (a replayed series), no hard bound', () => {
    expect(hardBoundOf([{ tS: T0, offsetS: 0, delayS: null }], 0, 50e-6)).toBeNull();
  });
});
