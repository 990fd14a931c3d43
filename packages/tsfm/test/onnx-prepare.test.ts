import { readFileSync } from 'fs';
import { join } from 'path';
import { prepareContext, resistantLine, type Measurement } from '../src';

interface GoldenCase { context: number; step_s: number; clip: number; min_scale_s: number; input: (number | null)[]; intercept: number; slope: number; scale: number }
const golden = JSON.parse(readFileSync(join(__dirname, 'fixtures/prepare-golden.json'), 'utf8')) as { times_s: number[]; offsets_s: number[]; cases: GoldenCase[] };

describe('ONNX input preparation', () => {
  const history: Measurement[] = golden.times_s.map((tS, i) => ({ tS, offsetS: golden.offsets_s[i] as number, delayS: null }));

  test.each(golden.cases.map((c) => [`${c.context} cells of ${c.step_s} s`, c] as const))('matches the training script (scripts/train/prep.py): %s', (_label, c) => {
    const p = prepareContext(history, { contextLength: c.context, stepS: c.step_s, scaling: { detrend: 'resistant_line', scale: 'residual_mad', clip: c.clip, min_scale_s: c.min_scale_s, missing: 'nan' } });
    expect(p.interceptS).toBeCloseTo(c.intercept, 12);
    expect(p.slopeSPerStep).toBeCloseTo(c.slope, 12);
    expect(p.scaleS / c.scale).toBeCloseTo(1, 9);
    expect(Array.from(p.input).map((v) => (Number.isNaN(v) ? null : v))).toEqual(c.input.map((v) => (v === null ? null : expect.closeTo(v, 4))));
  });

  test('the outlier is clipped, empty leading cells are missing, the newest cell is at the newest measurement', () => {
    const p = prepareContext(history, { contextLength: 64, stepS: 60, scaling: { detrend: 'resistant_line', scale: 'residual_mad', clip: 20, missing: 'nan' } });
    expect(p.endTimeS).toBe(golden.times_s[golden.times_s.length - 1]);
    expect(Number.isNaN(p.input[0] as number)).toBe(true);
    expect(Math.max(...Array.from(p.input).filter((v) => !Number.isNaN(v)))).toBe(20);
    expect(p.availableCells).toBeLessThan(64);
  });

  test('without scaling the input is the raw offsets (a foundation model normalises itself)', () => {
    const p = prepareContext(history.slice(0, 3), { contextLength: 4, stepS: 1e6, scaling: { detrend: 'none', scale: 'none', missing: 'zero' } });
    expect(p.scaleS).toBe(1);
    expect(p.interceptS).toBe(0);
    expect(p.input[3]).toBeCloseTo([...history.slice(0, 3).map((m) => m.offsetS)].sort((a, b) => a - b)[1] as number, 6);
    expect(Array.from(p.input.subarray(0, 3))).toEqual([0, 0, 0]);
  });

  test('resistant line: exact on a line, flat through the median for two points', () => {
    expect(resistantLine([0, 1, 2, 3, 4, 5], [1, 3, 5, 7, 9, 11])).toEqual({ intercept: 1, slope: 2 });
    expect(resistantLine([0, 1], [4, 6])).toEqual({ intercept: 5, slope: 0 });
  });
});
