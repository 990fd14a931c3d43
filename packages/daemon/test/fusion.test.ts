import { SeededRandom } from '@chronotick/tsfm';
import { Calibrator, DEFAULT_CALIBRATION } from '../src/engine/fusion/calibrator';
import { DEFAULT_RULES, fusePredictions, staleSigmaS, type Prediction } from '../src/engine/fusion/fuse';
import { measurementNoise } from '../src/engine/fusion/noise';
import type { EvalMethod } from '../src/eval/methods';
import { replaySeries } from '../src/eval/replay';

/**
 * A calibrator fed `n` measurements of a true offset 0 through a noisy path: each has
 * an excess delay, and its error is uniform within ±half of it (as queueing makes it).
 * Each source's prediction misses the truth by a normal error of its own σ.
 */
function calibrated(truthSigmaS: Record<string, number>, n = 64, seed = 7): Calibrator {
  const rng = new SeededRandom(seed);
  const calibrator = new Calibrator();
  for (let k = 0; k < n; k++) {
    const excessS = rng.exponential(1e-3) + rng.exponential(1e-3);
    const noiseS = (rng.next() * 2 - 1) * (excessS / 2);
    const predicted = Object.fromEntries(Object.entries(truthSigmaS).map(([s, sigma]) => [s, sigma * rng.normal()]));
    calibrator.score({ tS: k * 64, offsetS: noiseS, delayS: 0.02 + excessS, server: 's' }, predicted, 64);
  }
  return calibrator;
}

describe('measurement noise', () => {
  test('with delays: a third of the squared half excess delay (uniform within the NTP bound)', () => {
    const window = [0.02, 0.022, 0.026, 0.021].map((delayS, k) => ({ tS: k, offsetS: 0, delayS, server: 's' }));
    const { varianceS2 } = measurementNoise(window);
    expect(varianceS2[0]).toBeCloseTo(1e-12, 15);
    expect(varianceS2[2]).toBeCloseTo(0.003 ** 2 / 3 + 1e-12, 12);
  });

  test("each server's excess delay is over its own minimum: a distant path's round trip is not noise", () => {
    const window = [
      { tS: 0, offsetS: 0, delayS: 0.002, server: 'near' },
      { tS: 1, offsetS: 0, delayS: 0.05, server: 'far' },
      { tS: 2, offsetS: 0, delayS: 0.004, server: 'near' },
      { tS: 3, offsetS: 0, delayS: 0.051, server: 'far' },
    ];
    const { varianceS2 } = measurementNoise(window);
    expect(varianceS2[1]).toBeCloseTo(1e-12, 15);
    expect(varianceS2[2]).toBeCloseTo(0.001 ** 2 / 3 + 1e-12, 12);
    expect(varianceS2[3]).toBeCloseTo(0.0005 ** 2 / 3 + 1e-12, 12);
    // A longer memory of a path's minimum moves its baseline down.
    const remembered = measurementNoise(window, new Map([['far', 0.049]]));
    expect(remembered.varianceS2[1]).toBeCloseTo(0.0005 ** 2 / 3 + 1e-12, 12);
  });

  test('without delays: read from the second differences, blind to offset and drift', () => {
    const rng = new SeededRandom(3);
    const window = Array.from({ length: 2000 }, (_, k) => ({
      tS: k * 10,
      offsetS: 0.05 + 1e-5 * k * 10 + 2e-4 * rng.normal(),
      delayS: null,
      server: 's',
    }));
    const { typicalS2 } = measurementNoise(window);
    expect(Math.sqrt(typicalS2)).toBeGreaterThan(1.9e-4);
    expect(Math.sqrt(typicalS2)).toBeLessThan(2.1e-4);
  });

  test('without delays, quantized readings (most second differences exactly 0) still show their noise', () => {
    const window = Array.from({ length: 64 }, (_, k) => ({ tS: k * 64, offsetS: k % 10 === 0 ? 1e-3 : 0, delayS: null, server: 's' }));
    expect(measurementNoise(window).typicalS2).toBeGreaterThan(1e-8);
  });

  test('without delays, a step of the clock inside the window is not read as noise', () => {
    const rng = new SeededRandom(5);
    const window = Array.from({ length: 64 }, (_, k) => ({
      tS: k * 64,
      offsetS: (k >= 32 ? 0.05 : 0) + 2e-4 * rng.normal(),
      delayS: null,
      server: 's',
    }));
    // A plain mean of the squared second differences would read about 9 ms here.
    const { typicalS2 } = measurementNoise(window);
    expect(Math.sqrt(typicalS2)).toBeGreaterThan(1.5e-4);
    expect(Math.sqrt(typicalS2)).toBeLessThan(4e-4);
  });
});

describe('online calibration', () => {
  test('takes the measurement noise out: over many windows, a 50 µs source reads as tens of µs under ~1 ms of noise', () => {
    // One window of 64 measurements says little (the noise is 20 times the error), so
    // the claim is about the typical window: the median over 31 independent ones.
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
    const good: number[] = [];
    const poor: number[] = [];
    const rms: number[] = [];
    let pairedWins = 0;
    for (let seed = 1; seed <= 31; seed++) {
      const calibrator = calibrated({ good: 50e-6, poor: 400e-6 }, 64, seed);
      const records = calibrator.assess('good')?.predictors;
      good.push(Math.sqrt(records?.good?.truthMseS2 ?? NaN));
      poor.push(Math.sqrt(records?.poor?.truthMseS2 ?? NaN));
      rms.push(calibrator.rmsS('good') ?? NaN);
      const vs = records?.poor?.vsBaseline;
      if (vs && vs.meanS2 > 2 * vs.seS2) pairedWins++;
    }
    expect(median(good)).toBeGreaterThan(30e-6);
    expect(median(good)).toBeLessThan(150e-6);
    expect(median(poor)).toBeGreaterThan(250e-6);
    expect(median(poor)).toBeLessThan(600e-6);
    // The plain RMS against the measurements is mostly the network.
    expect(median(rms)).toBeGreaterThan(400e-6);
    // The paired comparison tells the two apart in most windows.
    expect(pairedWins).toBeGreaterThan(20);
  });

  test('a perfect predictor is claimed no better than the calibration can resolve, never zero', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const records = calibrated({ perfect: 0 }, 64, seed).assess('perfect')?.predictors;
      const sigmaS = Math.sqrt(records?.perfect?.truthMseS2 ?? NaN);
      expect(sigmaS).toBeGreaterThan(5e-6);
      expect(sigmaS).toBeLessThan(300e-6);
    }
  });

  test('says nothing until enough measurements were scored', () => {
    expect(calibrated({ a: 1e-4 }, DEFAULT_CALIBRATION.minScored + 1).assess('a')).toBeNull();
    expect(calibrated({ a: 1e-4 }, DEFAULT_CALIBRATION.minScored + 2).assess('a')).not.toBeNull();
  });

  test('a source whose newest errors run far outside its record, on one side, is broken', () => {
    const calibrator = calibrated({ a: 5e-5, b: 5e-5 }, 40);
    for (let k = 0; k < 2; k++) calibrator.score({ tS: 4000 + k, offsetS: 0.05, delayS: 0.02, server: 's' }, { a: 0, b: 0.05 }, 64);
    const records = calibrator.assess('a')?.predictors;
    expect(records?.a?.broken).toBe(true);
    expect(records?.b?.broken).toBe(false);
  });

  test('one bad round of several servers is one event, not a broken source', () => {
    const calibrator = calibrated({ a: 5e-5 }, 40);
    // Three servers answered in one round (one newest measurement behind them all) and
    // all read the same congestion.
    const round = (tS: number): void => {
      for (const server of ['s1', 's2', 's3']) calibrator.score({ tS, offsetS: 0.05, delayS: 0.02, server }, { a: 0 }, 64);
    };
    round(4000);
    expect(calibrator.assess('a')?.predictors.a?.broken).toBe(false);
    round(4064);
    expect(calibrator.assess('a')?.predictors.a?.broken).toBe(true);
  });

  test('replies with no lead (a second server in the same instant) leave the record in place', () => {
    const calibrator = new Calibrator();
    for (let k = 0; k < 40; k++) {
      calibrator.score({ tS: 1024 * k, offsetS: 0, delayS: null, server: 's1' }, { a: 1e-5 }, 1024);
      calibrator.score({ tS: 1024 * k, offsetS: 0, delayS: null, server: 's2' }, { a: 1e-5 }, 0);
    }
    // The window holds 64 entries, 32 of them with a lead: those are the record.
    expect(calibrator.assess('a')?.predictors.a?.scored).toBe(30);
  });

  test('the record spans an hour at a 64 s poll, 64 measurements at a sparse one, 256 at most', () => {
    const fed = (pollS: number, servers: number, rounds: number): Calibrator => {
      const calibrator = new Calibrator();
      for (let k = 0; k < rounds; k++)
        for (let s = 0; s < servers; s++)
          calibrator.score({ tS: k * pollS, offsetS: 0, delayS: null, server: `s${s}` }, { a: 1e-5 }, pollS);
      return calibrator;
    };
    // Three servers every 64 s for two hours: the last 3600 s are 56 rounds after the newest.
    expect(fed(64, 3, 120).scored('a')).toBe(57 * 3);
    // Every 1024 s: 64 measurements already span more than an hour.
    expect(fed(1024, 3, 40).scored('a')).toBe(DEFAULT_CALIBRATION.window);
    // Every 16 s, an hour would be 675 measurements: the cap holds.
    expect(fed(16, 3, 300).scored('a')).toBe(DEFAULT_CALIBRATION.maxWindow);
  });

  test('after an outage, one long round of several servers does not void the record', () => {
    const calibrator = new Calibrator();
    const round = (tS: number, leadS: number): void => {
      for (const server of ['s1', 's2', 's3']) calibrator.score({ tS, offsetS: 0, delayS: null, server }, { a: 1e-5 }, leadS);
    };
    for (let k = 0; k < 15; k++) round(10 * k, 10);
    const scored = calibrator.assess('a')?.predictors.a?.scored ?? 0;
    expect(scored).toBeGreaterThan(30);
    round(750, 600);
    expect(calibrator.assess('a')?.predictors.a?.scored).toBeGreaterThanOrEqual(scored);
  });

  test('when polling slows, the record of short-lead predictions no longer counts', () => {
    const calibrator = new Calibrator();
    for (let k = 0; k < 40; k++) calibrator.score({ tS: k / 4, offsetS: 0, delayS: null, server: 's' }, { a: 1e-5 }, 0.25);
    expect(calibrator.assess('a')?.predictors.a?.scored).toBe(38);
    for (let k = 0; k < 9; k++) calibrator.score({ tS: 10 + 10 * k, offsetS: 0, delayS: null, server: 's' }, { a: 1e-3 }, 10);
    // The newest nine are all the present has, one short of a record.
    expect(calibrator.assess('a')).toBeNull();
    calibrator.score({ tS: 100, offsetS: 0, delayS: null, server: 's' }, { a: 1e-3 }, 10);
    expect(calibrator.assess('a')?.predictors.a?.scored).toBe(8);
  });

  test("the record's first minutes, while every source converges, are left out once enough came after", () => {
    // A filter that starts slowly (2 ms off for five minutes) and then errs 20 µs, beside
    // a fit that errs 150 µs throughout: twenty minutes of one server every 16 s.
    const feed = (calibrator: Calibrator): Calibrator => {
      const rng = new SeededRandom(3);
      for (let k = 0; k < 75; k++) {
        const tS = 16 * k;
        const excessS = rng.exponential(50e-6);
        const noiseS = (rng.next() * 2 - 1) * (excessS / 2);
        const predicted = { slow_start: (tS < 300 ? 2e-3 : 20e-6) * rng.normal(), fit: 150e-6 * rng.normal() };
        calibrator.score({ tS, offsetS: noiseS, delayS: 0.02 + excessS, server: 's' }, predicted, 16);
      }
      return calibrator;
    };
    const settled = feed(new Calibrator()).assess('fit')?.predictors;
    expect(Math.sqrt(settled?.slow_start?.truthMseS2 ?? NaN)).toBeLessThan(60e-6);
    expect(settled?.slow_start?.vsBaseline?.meanS2).toBeLessThan(0);
    expect(settled?.slow_start?.scored).toBeLessThan(60);
    // Counted from the start, the first minutes rule the record.
    const whole = feed(new Calibrator({ ...DEFAULT_CALIBRATION, burnInS: 0 })).assess('fit')?.predictors;
    expect(whole?.slow_start?.truthMseS2).toBeGreaterThan(whole?.fit?.truthMseS2 ?? Infinity);
    // The state file keeps the start; one saved without it (an older daemon's) is taken as long settled.
    const saved = JSON.parse(JSON.stringify(feed(new Calibrator()).snapshot())) as Record<string, unknown>;
    const restored = new Calibrator();
    restored.restore(saved);
    expect(restored.assess('fit')?.predictors).toEqual(settled);
    const older = new Calibrator();
    older.restore({ ...saved, startedS: undefined });
    expect(older.assess('fit')?.predictors.slow_start?.scored).toBe(whole?.slow_start?.scored);
  });

  test('a burn-in leaves a young record whole: a verdict as soon as there are enough', () => {
    expect(calibrated({ a: 1e-4 }, DEFAULT_CALIBRATION.minScored + 2).assess('a')?.predictors.a?.scored).toBe(
      DEFAULT_CALIBRATION.minScored,
    );
  });

  test('a snapshot restores; an older or damaged one is ignored', () => {
    const calibrator = calibrated({ a: 1e-4 }, 20);
    const copy = new Calibrator();
    copy.restore(JSON.parse(JSON.stringify(calibrator.snapshot())));
    expect(copy.assess('a')?.predictors).toEqual(calibrator.assess('a')?.predictors);
    expect(copy.assess('a')?.noiseS2).toBe(calibrator.assess('a')?.noiseS2);
    const old = new Calibrator();
    old.restore({ a: [1e-3, 2e-3] });
    old.restore({ entries: [{ tS: 1, offsetS: 'x', delayS: null, errors: {} }] });
    expect(old.scored('a')).toBe(0);
  });
});

describe('calibrated inverse-variance fusion', () => {
  const predictions = (values: Record<string, number>): Prediction[] =>
    Object.entries(values).map(([predictor, meanS]) => ({ predictor, meanS, claimedSigmaS: 1e-3 }));

  test('before any calibration only the baseline is trusted, on its claim', () => {
    const fused = fusePredictions(predictions({ linear: 0.01, model: 0.5 }), null, DEFAULT_RULES);
    expect(fused?.dominant).toBe('linear');
    expect(fused?.weights).toEqual({ linear: 1, model: 0 });
    expect(fused?.sigmaS).toBe(1e-3);
  });

  test('a predictor worse than the baseline gets no weight, however sure it claims to be', () => {
    const assessment = calibrated({ linear: 50e-6, model: 500e-6 }).assess('linear');
    const fused = fusePredictions(
      [
        { predictor: 'linear', meanS: 0.01, claimedSigmaS: 1e-3 },
        { predictor: 'model', meanS: 0.02, claimedSigmaS: 1e-9 },
      ],
      assessment,
      DEFAULT_RULES,
    );
    expect(fused?.weights).toEqual({ linear: 1, model: 0 });
    expect(fused?.excluded.model).toMatch(/not better than linear/);
  });

  /**
   * The minimum-error split between two members: with records r, gap D and covariance
   * c = (r_a + r_b − D)/2, w_a = (r_b − c)/(r_a + x_a + r_b − 2c), x_a an extra variance of a's.
   * (Fusion adds a ridge of a millionth of the gap, hence the comparisons to 5 places.)
   */
  function twoMemberShare(ra: number, rb: number, gapS2: number, extraS2 = 0): number {
    const c = (ra + rb - gapS2) / 2;
    return (rb - c) / (ra + extraS2 + rb - 2 * c);
  }

  test('predictors that beat the baseline share the weight by their records and the gap between them', () => {
    const assessment = calibrated({ linear: 800e-6, model: 200e-6, kalman: 300e-6 }).assess('linear');
    const fused = fusePredictions(predictions({ linear: 0.01, model: 0.02, kalman: 0.03 }), assessment, DEFAULT_RULES);
    const records = assessment?.predictors ?? {};
    const [rm, rk] = [records.model?.truthMseS2 ?? NaN, records.kalman?.truthMseS2 ?? NaN];
    const share = twoMemberShare(rm, rk, assessment?.gapS2('model', 'kalman') ?? NaN);
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(1);
    expect(fused?.weights.linear).toBe(0);
    expect(fused?.weights.model).toBeCloseTo(share, 5);
    expect(fused?.weights.kalman).toBeCloseTo(1 - share, 5);
    expect(fused?.meanS).toBeCloseTo(share * 0.02 + (1 - share) * 0.03, 7);
    // Their errors are independent here, so the split is near w = 1/σ² (the records and
    // the gap are estimates from the same 64 measurements, not exact).
    expect(Math.abs(share - 1 / rm / (1 / rm + 1 / rk))).toBeLessThan(0.1);
    // No record of the fused answers yet: σ_fused = 1/√Σ(1/σ²).
    expect(fused?.sigmaS).toBeCloseTo(1 / Math.sqrt(1 / rm + 1 / rk), 12);
    expect(fused?.measurementSigmaS).toBeGreaterThan(fused?.sigmaS ?? Infinity);
  });

  test('a stale prediction (a model that missed its runs) loses weight as its age grows', () => {
    const assessment = calibrated({ linear: 800e-6, model: 200e-6, kalman: 300e-6 }).assess('linear');
    const records = assessment?.predictors ?? {};
    const at = (ageS: number): number | undefined => {
      const stale = staleSigmaS(ageS, 1, 50);
      const list = predictions({ linear: 0.01, model: 0.02, kalman: 0.03 }).map((p) =>
        p.predictor === 'model' ? { ...p, extraSigmaS: stale } : p,
      );
      return fusePredictions(list, assessment, DEFAULT_RULES)?.weights.model;
    };
    // Within twice its schedule the record covers it: no inflation.
    expect(staleSigmaS(2, 1, 50)).toBe(0);
    const [rm, rk] = [records.model?.truthMseS2 ?? NaN, records.kalman?.truthMseS2 ?? NaN];
    const gapS2 = assessment?.gapS2('model', 'kalman') ?? NaN;
    expect(at(2)).toBeCloseTo(twoMemberShare(rm, rk, gapS2), 5);
    // 3 s past that at 50 ppm: its own σ² grows by (150 µs)², an error the other does not share.
    expect(at(5)).toBeCloseTo(twoMemberShare(rm, rk, gapS2, 150e-6 ** 2), 5);
    expect(at(5) ?? 1).toBeLessThan(at(2) ?? 0);
    // Minutes stale: over the 50 ms threshold, out.
    expect(at(1200)).toBe(0);
  });

  test('once the fused answers have a record, σ_fused is that record, not 1/√Σw', () => {
    const assessment = calibrated({ linear: 400e-6, model: 40e-6, kalman: 45e-6, fusion: 200e-6 }).assess('linear');
    const fused = fusePredictions(predictions({ linear: 0.01, model: 0.02, kalman: 0.03 }), assessment, DEFAULT_RULES);
    expect(fused?.sigmaS).toBe(Math.sqrt(assessment?.predictors.fusion?.truthMseS2 ?? NaN));
    expect(fused?.sigmaS).toBeGreaterThan(100e-6);
  });

  test('among predictors that beat the baseline, one clearly worse than the best steps aside, the baseline too', () => {
    const assessment = calibrated({ linear: 600e-6, kalman: 60e-6, model: 50e-6, long: 300e-6 }, 64, 11).assess('linear');
    const fused = fusePredictions(predictions({ linear: 0.01, kalman: 0.02, model: 0.03, long: 0.04 }), assessment, DEFAULT_RULES);
    expect(fused?.weights.linear).toBe(0);
    expect(fused?.weights.long).toBe(0);
    expect(fused?.excluded.linear).toMatch(/worse than (model|kalman)/);
    expect((fused?.weights.kalman ?? 0) + (fused?.weights.model ?? 0)).toBeCloseTo(1, 12);
    expect(fused?.weights.kalman).toBeGreaterThan(0);
    expect(fused?.weights.model).toBeGreaterThan(0);
  });

  test('a predictor in line keeps its place while it ties the baseline, and loses it once clearly worse', () => {
    // Same error as the fit: the paired test cannot tell them apart.
    const tie = calibrated({ linear: 200e-6, model: 200e-6 }, 64, 5).assess('linear');
    const vs = tie?.predictors.model?.vsBaseline;
    expect(Math.abs(vs?.meanS2 ?? Infinity)).toBeLessThan(DEFAULT_RULES.betterSigmas * (vs?.seS2 ?? 0));
    const list = predictions({ linear: 0.01, model: 0.02 });
    const newcomer = fusePredictions(list, tie, DEFAULT_RULES);
    expect(newcomer?.weights.model).toBe(0);
    expect(newcomer?.excluded.model).toMatch(/not better than linear/);
    const incumbent = fusePredictions(list, tie, { ...DEFAULT_RULES, incumbents: new Set(['model']) });
    expect(incumbent?.weights.model).toBeGreaterThan(0.3);
    expect(incumbent?.weights.linear).toBeGreaterThan(0.3);
    // Three times the fit's error: out, in line or not.
    const worse = calibrated({ linear: 100e-6, model: 300e-6 }, 64, 5).assess('linear');
    const dropped = fusePredictions(list, worse, { ...DEFAULT_RULES, incumbents: new Set(['model']) });
    expect(dropped?.weights).toEqual({ linear: 1, model: 0 });
  });

  test('while every server is silent, the models in line carry the answer alone', () => {
    // The fit and a model that tie on the record: both in line while measurements come.
    const tie = calibrated({ linear: 100e-6, model: 100e-6, kalman: 100e-6 }, 64, 5).assess('linear');
    const list = predictions({ linear: 0.01, model: 0.02, kalman: 0.03 });
    const rules = { ...DEFAULT_RULES, incumbents: new Set(['model', 'kalman']) };
    expect(fusePredictions(list, tie, rules)?.weights.linear).toBeGreaterThan(0.2);
    const holdover = fusePredictions(list, tie, { ...rules, holdoverForecasters: new Set(['model']) });
    expect(holdover?.weights).toEqual({ linear: 0, model: 1, kalman: 0 });
    expect(holdover?.meanS).toBe(0.02);
    expect(holdover?.excluded.linear).toMatch(/every server is silent/);
    // No model in line: the fits carry on as before.
    const noModel = fusePredictions(predictions({ linear: 0.01, kalman: 0.03 }), tie, {
      ...rules,
      holdoverForecasters: new Set(['model']),
    });
    expect(noModel?.weights.linear).toBeGreaterThan(0.2);
  });

  test('when the baseline breaks (the clock stepped), the predictors still in line take over', () => {
    const calibrator = calibrated({ linear: 50e-6, hold_last: 500e-6 }, 40);
    for (let k = 0; k < 2; k++)
      calibrator.score({ tS: 4000 + k, offsetS: 0.05, delayS: 0.02, server: 's' }, { linear: 0, hold_last: 0.05 }, 64);
    const fused = fusePredictions(predictions({ linear: 0, hold_last: 0.05 }), calibrator.assess('linear'), DEFAULT_RULES);
    expect(fused?.weights).toEqual({ linear: 0, hold_last: 1 });
    expect(fused?.excluded.linear).toMatch(/far outside/);
  });
});

describe('the replay evaluation', () => {
  test('a series that knows the truth is scored with the σ about the truth', async () => {
    const method: EvalMethod = {
      name: 'two_sigmas',
      historySamples: 1,
      historySpanS: Infinity,
      predict: async (requests) => requests.map(() => ({ meanS: 0, sigmaS: 1, truthSigmaS: 1e-9 })),
    };
    const series = Array.from({ length: 20 }, (_, i) => ({ tS: i, offsetS: 0.5, delayS: null, server: 's', trueOffsetS: 0.1 }));
    const withTruth = await replaySeries(series, [method]);
    expect(withTruth.methods.two_sigmas?.coverage_95).toBe(0);
    const measuredOnly = await replaySeries(
      series.map(({ trueOffsetS: _, ...m }) => m),
      [method],
    );
    expect(measuredOnly.methods.two_sigmas?.coverage_95).toBe(1);
  });
});
