/**
 * @jest-environment ./packages/tsfm/test/onnx-environment.js
 */
import { readFileSync } from 'fs';
import { join, resolve } from 'path';
import { DEFAULT_CONFIG } from '@chronotick/config';
import { parseReplayCsv, simulateScenario, type Measurement } from '@chronotick/tsfm';
import { evalJson, evalTable, evaluateSeries, replaySeries, systemMethod, type EvalMethod } from '../src/eval';

const RECORDED = resolve(__dirname, '../../../data/recorded');
const recorded = (file: string): Measurement[] => parseReplayCsv(readFileSync(join(RECORDED, file), 'utf8'));
/** The default models: residual_ar learns the host online, the long-term one is shipped ONNX. */
const MODELS = ['residual_ar', 'chronotick_long'] as const;
/** The shipped ONNX short-term model, named explicitly now that it is not the default. */
const ONNX_SHORT = { ...DEFAULT_CONFIG, short_term: { ...DEFAULT_CONFIG.short_term, model_name: 'chronotick-short' } };
const METHODS = ['system', 'hold_last', 'linear', 'kalman', ...MODELS];

describe('replay evaluation', () => {
  test('JSON shape on a recorded series: every method, exactly the five figures, nulls for the system clock', async () => {
    const series = recorded('homelab-4h.csv');
    const json = evalJson(await evaluateSeries(series, DEFAULT_CONFIG));
    expect(Object.keys(json)).toEqual(['points', 'methods']);
    expect(json.points).toBe(series.length - 8);
    expect(Object.keys(json.methods)).toEqual(METHODS);
    for (const [name, score] of Object.entries(json.methods)) {
      expect(Object.keys(score)).toEqual(['mae_s', 'rmse_s', 'p95_s', 'coverage_95', 'mean_width_s']);
      expect(score.mae_s).toBeGreaterThan(0);
      expect(score.rmse_s!).toBeGreaterThanOrEqual(score.mae_s!);
      if (name === 'system') {
        expect(score.coverage_95).toBeNull();
        expect(score.mean_width_s).toBeNull();
      } else {
        expect(score.coverage_95).toBeGreaterThan(0);
        expect(score.mean_width_s).toBeGreaterThan(0);
      }
    }
    // The README's reference figure for the uncorrected clock on this file.
    expect(json.methods.system!.mae_s! * 1e3).toBeCloseTo(2.75, 1);
  });

  test('a synthetic series is scored against its true offset', async () => {
    const series = simulateScenario('quartz_drift', { seed: 2, durationS: 3600 }).measurements;
    const result = await evaluateSeries(series, DEFAULT_CONFIG);
    const truthError = series.slice(8).reduce((s, m) => s + Math.abs(m.trueOffsetS!), 0) / (series.length - 8);
    expect(result.methods.system!.mae_s).toBeCloseTo(truthError, 12);
    expect(Object.keys(evalJson(result).methods)).toEqual(METHODS);
    const table = evalTable(result, 'quartz');
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toContain(`${result.points} points scored`);
    expect(lines.slice(1).map((l) => l.length)).toEqual(Array(lines.length - 1).fill(lines[1]!.length));
  });

  test("methods predict from strictly earlier measurements only; extra methods (fusion's hook) are scored too", async () => {
    const series = simulateScenario('steps', { seed: 1, durationS: 1800 }).measurements;
    const seen: number[] = [];
    const spy: EvalMethod = {
      name: 'fusion',
      historySamples: Infinity,
      historySpanS: Infinity,
      predict: async (requests) =>
        requests.map((r) => {
          expect(r.history.every((m) => m.tS < r.tS)).toBe(true);
          seen.push(r.history.length);
          return { meanS: r.history[r.history.length - 1]!.offsetS, sigmaS: 1 };
        }),
    };
    const result = await evaluateSeries(series, DEFAULT_CONFIG, { extraMethods: [spy] });
    expect(Object.keys(result.methods)).toEqual([...METHODS, 'fusion']);
    expect(seen).toEqual(series.slice(8).map((_, i) => i + 8));
    expect(result.methods.fusion!.coverage_95).toBe(1);
  });

  test('fewer than nine measurements: zero points, null figures', async () => {
    const series = simulateScenario('quartz_drift', { seed: 1, durationS: 300 }).measurements.slice(0, 8);
    const json = evalJson(await replaySeries(series, [systemMethod()]));
    expect(json).toEqual({
      points: 0,
      methods: { system: { mae_s: null, rmse_s: null, p95_s: null, coverage_95: null, mean_width_s: null } },
    });
  });
});

describe('long replays never diverge (predictions are never evidence)', () => {
  test.each([
    ['the 4-hour recorded series', () => recorded('homelab-4h.csv'), 10, 10],
    // The ONNX models' bound is looser than the statistical fits' (under 3×): on this run
    // the short model's worst error is 4.5× its MAE and the long model's 6.5× (they were
    // 14.6× and 8.6× before cells were placed at their measurements' times and outlier
    // cells rejected). On the 4-hour recorded series every method is near 8×: there the
    // worst error is one network spike in the measurement being scored, not the forecast.
    [
      'a 12-hour synthetic clock with temperature cycles',
      () => simulateScenario('temperature_cycles', { seed: 4, durationS: 12 * 3600 }).measurements,
      4,
      7,
    ],
  ] as const)('%s: the largest error of every model stays within a few times its MAE', async (_label, load, statFactor, onnxFactor) => {
    const result = await evaluateSeries(load(), DEFAULT_CONFIG);
    // Against the larger of its own MAE and the linear fit's: a model that got better on
    // average is not thereby diverging (residual_ar's cycle halved its MAE here; the
    // Kalman filter's, 175 µs against the fit's 614, puts its worst, 846 µs, at 4.8×).
    const scaleOf = (name: string): number => Math.max(result.methods[name]!.mae_s!, result.methods['linear']!.mae_s!);
    for (const name of ['linear', 'kalman']) expect(result.methods[name]!.max_s!).toBeLessThan(statFactor * scaleOf(name));
    for (const name of MODELS) expect(result.methods[name]!.max_s!).toBeLessThan(onnxFactor * scaleOf(name));
    // Diverging models (the original fed forecasts back as data) reach errors of seconds.
    for (const name of ['linear', 'kalman', ...MODELS]) expect(result.methods[name]!.max_s!).toBeLessThan(0.02);
  });
});

describe('the shipped short-term model on temperature cycles', () => {
  test.each([1, 2, 3])('seed %i: lower MAE than the linear fit', async (seed) => {
    const series = simulateScenario('temperature_cycles', { seed }).measurements;
    const result = await evaluateSeries(series, ONNX_SHORT);
    console.log(
      `temperature_cycles seed ${seed}: chronotick_short ${(result.methods.chronotick_short!.mae_s! * 1e3).toFixed(3)} ms, linear ${(result.methods.linear!.mae_s! * 1e3).toFixed(3)} ms`,
    );
    expect(result.methods.chronotick_short!.mae_s!).toBeLessThan(result.methods.linear!.mae_s!);
  });
});
