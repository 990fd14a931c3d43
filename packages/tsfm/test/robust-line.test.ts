import { robustLine, theilSenLine, tooFewRuns } from '../src/statistical/robust-line';

const OPTIONS = { rejectSigmas: 3.5, maxRejectFraction: 0.2, maxIterations: 5 };

/** y = 1e-3 + 2e-6·t with a small alternating scatter (so the MAD is not zero), plus `spikes` at their indices. */
function column(n: number, spikes: Record<number, number> = {}): { ts: Float64Array; ys: Float64Array; sigmas: Float64Array } {
  const ts = Float64Array.from({ length: n }, (_, i) => i * 16 - (n - 1) * 16);
  const ys = Float64Array.from(ts, (t, i) => 1e-3 + 2e-6 * t + (i % 2 === 0 ? 1e-6 : -1e-6) + (spikes[i] ?? 0));
  return { ts, ys, sigmas: new Float64Array(n).fill(1e-6) };
}

describe('robustLine', () => {
  test('rejects the worst outliers first, never more than its quota', () => {
    // Three spikes in ten samples, a quota of two: the two largest go, the smallest stays.
    const { ts, ys, sigmas } = column(10, { 2: 5e-4, 5: 9e-4, 7: 3e-4 });
    const { keep, line } = robustLine(ts, ys, sigmas, OPTIONS);
    expect(Array.from(keep)).toEqual([1, 1, 0, 1, 1, 0, 1, 1, 1, 1]);
    expect(keep.reduce((a, b) => a + b, 0)).toBe(8);
    expect(line.slope).not.toBeNaN();
  });

  test('between equal outliers beyond the quota, the older one goes', () => {
    const { ts, ys, sigmas } = column(5, { 1: 4e-4, 3: 4e-4 });
    const { keep } = robustLine(ts, ys, sigmas, OPTIONS); // quota: floor(5 · 0.2) = 1
    expect(Array.from(keep)).toEqual([1, 0, 1, 1, 1]);
  });

  test('a clean line keeps every sample and recovers the slope', () => {
    const { ts, ys, sigmas } = column(40);
    const { keep, line } = robustLine(ts, ys, sigmas, OPTIONS);
    expect(keep.every((k) => k === 1)).toBe(true);
    expect(line.slope).toBeCloseTo(2e-6, 9);
  });
});

describe('theilSenLine', () => {
  test('beyond 200 samples (half-window pairs) it still finds the line under 20% spikes', () => {
    const spikes: Record<number, number> = {};
    for (let i = 0; i < 300; i += 5) spikes[i] = 2e-3;
    const { ts, ys, sigmas } = column(300, spikes);
    const line = theilSenLine(
      ts,
      ys,
      Float64Array.from(sigmas, (s) => 1 / (s * s)),
    );
    expect(line.slope).toBeCloseTo(2e-6, 9);
    expect(line.yBarS - 2e-6 * line.tBarS).toBeCloseTo(1e-3, 5);
  });
});

describe('tooFewRuns', () => {
  test('reads the signs of kept samples only: a rejected spike cannot break a run', () => {
    // Twelve residuals, positive then negative: two runs, far too few for noise.
    const residuals = Float64Array.from({ length: 12 }, (_, i) => (i < 6 ? 1e-6 : -1e-6));
    expect(tooFewRuns(residuals, new Uint8Array(12).fill(1))).toBe(true);
    // Alternating signs are as many runs as there can be: noise.
    const alternating = Float64Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 1e-6 : -1e-6));
    expect(tooFewRuns(alternating, new Uint8Array(12).fill(1))).toBe(false);
    // A bend (eight above the line, eight below) that three spikes in the first half
    // break into runs: counted, they make it look like noise; rejected, it is a bend.
    const spikes = new Set([1, 3, 5]);
    const bend = Float64Array.from({ length: 16 }, (_, i) => (i < 8 && !spikes.has(i) ? 1e-6 : -1e-6));
    expect(tooFewRuns(bend, new Uint8Array(16).fill(1))).toBe(false);
    expect(
      tooFewRuns(
        bend,
        Uint8Array.from({ length: 16 }, (_, i) => (spikes.has(i) ? 0 : 1)),
      ),
    ).toBe(true);
  });
});
