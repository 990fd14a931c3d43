import { SeededRandom } from '@chronotick/tsfm';
import { MAX_SHARED_MEMBERS, sharedErrorWeights } from '../src/engine/fusion/shared-error-weights';

/** Records and gaps of error series, as calibration would estimate them with no noise. */
function inputsOf(errors: readonly (readonly number[])[], extraS2?: number[]): Parameters<typeof sharedErrorWeights>[0] {
  const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    mseS2: errors.map((e) => mean(e.map((x) => x * x))),
    gapS2: errors.map((a) => errors.map((b) => mean(a.map((x, k) => (x - (b[k] as number)) ** 2)))),
    extraS2: extraS2 ?? errors.map(() => 0),
  };
}

function normals(rng: SeededRandom, n: number, sigma: number): number[] {
  return Array.from({ length: n }, () => sigma * rng.normal());
}

describe('weights for predictors that share their errors', () => {
  test('independent errors: the inverse-variance weights', () => {
    // Gaps equal to the sum of the records are what independent errors give.
    const w =
      sharedErrorWeights({
        mseS2: [1e-8, 4e-8],
        gapS2: [
          [0, 5e-8],
          [5e-8, 0],
        ],
        extraS2: [0, 0],
      }) ?? [];
    expect(w[0]).toBeCloseTo(0.8, 5);
    expect(w[1]).toBeCloseTo(0.2, 5);
  });

  test('a fit that follows the same noise as a filter, and more besides, gets no weight', () => {
    // The filter's error, and the fit's: the same, plus an error of its own. Inverse
    // variance would give the fit 1/(1+2) of the weight; any at all makes the mix worse.
    const rng = new SeededRandom(11);
    const filter = normals(rng, 2000, 60e-6);
    const own = normals(rng, 2000, 85e-6);
    const fit = filter.map((x, k) => x + (own[k] as number));
    const w = sharedErrorWeights(inputsOf([fit, filter])) ?? [];
    expect(w[0]).toBeLessThan(0.05);
    expect(w[1]).toBeGreaterThan(0.95);
  });

  test('errors on opposite sides of the truth: the mix beats both members', () => {
    const rng = new SeededRandom(12);
    const common = normals(rng, 2000, 100e-6);
    const a = common.map((x) => x + 20e-6 * rng.normal());
    const b = common.map((x) => -0.8 * x + 20e-6 * rng.normal());
    const w = sharedErrorWeights(inputsOf([a, b])) ?? [];
    const mix = a.map((x, k) => (w[0] as number) * x + (w[1] as number) * (b[k] as number));
    const rms = (xs: readonly number[]): number => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    expect(rms(mix)).toBeLessThan(0.5 * Math.min(rms(a), rms(b)));
    expect(w[0]).toBeGreaterThan(0.3);
    expect(w[1]).toBeGreaterThan(0.3);
  });

  test('a bias common to every record (the noise taken out, misjudged) moves no weight', () => {
    const rng = new SeededRandom(13);
    const errors = [normals(rng, 500, 50e-6), normals(rng, 500, 80e-6), normals(rng, 500, 120e-6)];
    const exact = inputsOf(errors);
    const biased = { ...exact, mseS2: exact.mseS2.map((r) => r + 3e-8) };
    const [w, wb] = [sharedErrorWeights(exact) ?? [], sharedErrorWeights(biased) ?? []];
    w.forEach((x, i) => expect(wb[i]).toBeCloseTo(x, 6));
  });

  test('an extra error of its own (a stale forecast) moves weight away from a member', () => {
    const base = {
      mseS2: [1e-8, 1e-8],
      gapS2: [
        [0, 2e-8],
        [2e-8, 0],
      ],
    };
    const fresh = sharedErrorWeights({ ...base, extraS2: [0, 0] }) ?? [];
    const stale = sharedErrorWeights({ ...base, extraS2: [1e-8, 0] }) ?? [];
    expect(fresh[0]).toBeCloseTo(0.5, 5);
    expect(stale[0]).toBeCloseTo(1 / 3, 5);
  });

  test('identical members are solvable: the weights are a proper split', () => {
    const w =
      sharedErrorWeights({
        mseS2: [1e-8, 1e-8, 4e-8],
        gapS2: [
          [0, 0, 3e-8],
          [0, 0, 3e-8],
          [3e-8, 3e-8, 0],
        ],
        extraS2: [0, 0, 0],
      }) ?? [];
    expect(w.every((x) => x >= 0)).toBe(true);
    expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    expect(w[2]).toBeCloseTo(0, 5);
  });

  test('weights are never negative and always sum to one, whatever the records say', () => {
    const rng = new SeededRandom(14);
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + (trial % 4);
      const errors = Array.from({ length: n }, () => normals(rng, 40, 1e-4 * (0.2 + rng.next())));
      const inputs = inputsOf(errors);
      // Records from a noisy calibration: each off by up to ±50%.
      const w = sharedErrorWeights({ ...inputs, mseS2: inputs.mseS2.map((r) => r * (0.5 + rng.next())) });
      expect(w).not.toBeNull();
      expect((w ?? []).every((x) => x >= 0)).toBe(true);
      expect((w ?? []).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    }
  });

  test('nothing to weigh, or more members than the subsets allow: null (the caller falls back)', () => {
    expect(sharedErrorWeights({ mseS2: [], gapS2: [], extraS2: [] })).toBeNull();
    const n = MAX_SHARED_MEMBERS + 1;
    const square = Array.from({ length: n }, () => new Array<number>(n).fill(1e-8));
    expect(sharedErrorWeights({ mseS2: new Array<number>(n).fill(1e-8), gapS2: square, extraS2: new Array<number>(n).fill(0) })).toBeNull();
  });
});
