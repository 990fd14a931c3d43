import { Calibrator } from '../src/engine/fusion/calibrator';
import { DEFAULT_RULES, fusePredictions } from '../src/engine/fusion/fuse';
import { fusionEvalMethod } from '../src/engine/fusion/eval-method';
import type { EvalMethod } from '../src/eval/methods';

function scored(errors: Record<string, number[]>): Calibrator {
  const c = new Calibrator({ window: 64, minScored: 4 });
  for (const [source, list] of Object.entries(errors)) for (const e of list) c.record(source, 0, e);
  return c;
}

describe('calibrated inverse-variance fusion', () => {
  test('weights follow 1/σ² of what each source actually achieved, not what it claimed', () => {
    const calibrator = scored({ a: [1e-3, -1e-3, 1e-3, -1e-3], b: [2e-3, -2e-3, 2e-3, -2e-3] });
    // b claims to be sure; its record says otherwise. b is worse, so it must not blur a.
    const fused = fusePredictions(
      [
        { source: 'a', meanS: 0.01, claimedSigmaS: 5e-3 },
        { source: 'b', meanS: 0.02, claimedSigmaS: 1e-6 },
      ],
      calibrator,
      { ...DEFAULT_RULES, baseline: 'a' },
    );
    expect(fused?.weights).toEqual({ a: 1, b: 0 });
    expect(fused?.meanS).toBe(0.01);
    expect(fused?.excluded.b).toMatch(/not better than a/);
  });

  test('a source only as good as the baseline gets no weight; a clearly better one shares it', () => {
    const even = scored({ a: [1e-3, -1e-3, 1e-3, -1e-3], b: [-1e-3, 1e-3, -1e-3, 1e-3] });
    const predictions = [
      { source: 'a', meanS: 0.01, claimedSigmaS: null },
      { source: 'b', meanS: 0.02, claimedSigmaS: null },
    ];
    expect(fusePredictions(predictions, even, { ...DEFAULT_RULES, baseline: 'a' })?.weights.b).toBe(0);
    const better = scored({ a: [1.1e-3, -0.9e-3, 1e-3, -1.2e-3, 1e-3], b: [1e-4, -1e-4, 1.2e-4, -1e-4, 0.9e-4] });
    const fused = fusePredictions(predictions, better, { ...DEFAULT_RULES, baseline: 'a' });
    const wb = fused?.weights.b ?? 0;
    expect(wb).toBeGreaterThan(0.9);
    const sa = better.rmsS('a') as number;
    const sb = better.rmsS('b') as number;
    expect(fused?.sigmaS).toBeCloseTo(1 / Math.sqrt(1 / sa ** 2 + 1 / sb ** 2), 12);
  });

  test('before any calibration only the baseline is trusted', () => {
    const fused = fusePredictions(
      [
        { source: 'linear', meanS: 0.01, claimedSigmaS: 1e-3 },
        { source: 'model', meanS: 0.5, claimedSigmaS: 1e-9 },
      ],
      new Calibrator(),
      DEFAULT_RULES,
    );
    expect(fused?.dominant).toBe('linear');
    expect(fused?.weights.model).toBe(0);
  });

  test('a source whose last errors are all far outside its σ drops out', () => {
    const calibrator = scored({ a: [1e-4, -1e-4, 1e-4, -1e-4, 1e-4], b: [1e-5, -1e-5, 1e-5, -1e-5, 1e-5, 5e-3, 5e-3, 5e-3] });
    const fused = fusePredictions(
      [
        { source: 'a', meanS: 0, claimedSigmaS: null },
        { source: 'b', meanS: 1, claimedSigmaS: null },
      ],
      calibrator,
      { ...DEFAULT_RULES, baseline: 'a' },
    );
    expect(fused?.weights.b).toBe(0);
  });
});

describe('fusion in the replay evaluation', () => {
  test('scores each prediction when the next history reveals the measurement, and learns to ignore a bad source', async () => {
    const constant = (name: string, value: number, sigma: number): EvalMethod => ({
      name,
      historySamples: 10,
      historySpanS: Infinity,
      predict: async (requests) => requests.map(() => ({ meanS: value, sigmaS: sigma })),
    });
    const fusion = fusionEvalMethod([constant('linear', 0.001, 1e-3), constant('liar', 0.5, 1e-6)]);
    const history = Array.from({ length: 40 }, (_, i) => ({ tS: i, offsetS: 0.001, delayS: null }));
    const requests = Array.from({ length: 30 }, (_, k) => ({ tS: 10 + k, history: history.slice(0, 10 + k) }));
    const answers = await fusion.predict(requests);
    expect(answers.every((a) => a.meanS === 0.001)).toBe(true);
  });
});
