import { readFileSync } from 'fs';
import { join } from 'path';
import {
  GridCells,
  gridCells,
  prepareContext,
  prepareFromCells,
  resistantLine,
  simulateScenario,
  type Measurement,
  type PrepareSpec,
} from '../src';

interface GoldenCase {
  context: number;
  step_s: number;
  clip: number;
  min_scale_s: number;
  input: (number | null)[];
  intercept: number;
  slope: number;
  scale: number;
}
const golden = JSON.parse(readFileSync(join(__dirname, 'fixtures/prepare-golden.json'), 'utf8')) as {
  times_s: number[];
  offsets_s: number[];
  cases: GoldenCase[];
};

describe('ONNX input preparation', () => {
  const history: Measurement[] = golden.times_s.map((tS, i) => ({ tS, offsetS: golden.offsets_s[i] as number, delayS: null }));

  test.each(golden.cases.map((c) => [`${c.context} cells of ${c.step_s} s`, c] as const))(
    'matches the training script (scripts/train/prep.py): %s',
    (_label, c) => {
      const p = prepareContext(history, {
        contextLength: c.context,
        stepS: c.step_s,
        scaling: { detrend: 'resistant_line', scale: 'residual_mad', clip: c.clip, min_scale_s: c.min_scale_s, missing: 'nan' },
      });
      expect(p.interceptS).toBeCloseTo(c.intercept, 12);
      expect(p.slopeSPerStep).toBeCloseTo(c.slope, 12);
      expect(p.scaleS / c.scale).toBeCloseTo(1, 9);
      expect(Array.from(p.input).map((v) => (Number.isNaN(v) ? null : v))).toEqual(
        c.input.map((v) => (v === null ? null : expect.closeTo(v, 4))),
      );
    },
  );

  test('a spike alone in its cell is rejected, empty leading cells are missing, the newest cell holds the newest measurement', () => {
    const p = prepareContext(history, {
      contextLength: 64,
      stepS: 60,
      scaling: { detrend: 'resistant_line', scale: 'residual_mad', clip: 20, missing: 'nan' },
    });
    expect(p.endTimeS).toBe(golden.times_s[golden.times_s.length - 1]);
    expect(Number.isNaN(p.input[0] as number)).toBe(true);
    // The fixture's +0.3 s spike (300 residual sigmas) is set aside, not clipped into the input.
    expect(p.rejectedCells).toBe(1);
    expect(
      Math.max(
        ...Array.from(p.input)
          .filter((v) => !Number.isNaN(v))
          .map(Math.abs),
      ),
    ).toBeLessThan(5);
    expect(p.availableCells).toBeLessThan(64);
  });

  test('the trend is fitted where the measurements are: no half-cell bias at 150 ppm', () => {
    // A clean 150 ppm clock measured every 64 s on a 5-minute grid: each cell's median sits
    // mid-cell, 150 ppm × 150 s = 22 ms away from the cell's end.
    const clean: Measurement[] = Array.from({ length: 300 }, (_, i) => ({
      tS: 1.7e9 + 64 * i + 7,
      offsetS: 0.01 + 150e-6 * 64 * i,
      delayS: null,
    }));
    const p = prepareContext(clean, {
      contextLength: 96,
      stepS: 300,
      scaling: { detrend: 'resistant_line', scale: 'residual_mad', clip: 20, missing: 'nan' },
    });
    expect(p.interceptS).toBeCloseTo(clean[clean.length - 1]!.offsetS, 9);
    expect(p.slopeSPerStep).toBeCloseTo(150e-6 * 300, 9);
  });

  test('a clock step is not an outlier once three newest cells agree on it', () => {
    const base: Measurement[] = Array.from({ length: 40 }, (_, i) => ({
      tS: 1.7e9 + 60 * i + 1,
      offsetS: 1e-4 * Math.sin(i),
      delayS: null,
    }));
    const stepped = base.map((m, i) => (i >= 37 ? { ...m, offsetS: m.offsetS + 0.05 } : m));
    const spec: PrepareSpec = {
      contextLength: 64,
      stepS: 60,
      scaling: { detrend: 'resistant_line', scale: 'residual_mad', clip: 20, missing: 'nan' },
    };
    expect(prepareContext(stepped.slice(0, 39), spec).rejectedCells).toBe(2);
    expect(prepareContext(stepped, spec).rejectedCells).toBe(0);
  });

  test('cell summaries kept across a replay answer as resampling the whole history', () => {
    const series = simulateScenario('vm_fast_drift', { seed: 2, durationS: 3 * 3600 }).measurements;
    for (const [contextLength, stepS] of [
      [64, 60],
      [96, 300],
      [8, 17],
    ] as const) {
      const spec: PrepareSpec = {
        contextLength,
        stepS,
        scaling: { detrend: 'resistant_line', scale: 'residual_mad', clip: 20, missing: 'nan' },
      };
      const cells = new GridCells(stepS);
      series.forEach((m, i) => {
        cells.add(m);
        if (i % 7 !== 0) return;
        const whole = series.slice(0, i + 1);
        expect(cells.context(contextLength)).toEqual(gridCells(whole, contextLength, stepS));
        expect(prepareFromCells(cells.context(contextLength), m.tS, spec)).toEqual(prepareContext(whole, spec));
      });
    }
  });

  test('without scaling the input is the raw offsets (a foundation model normalises itself)', () => {
    const p = prepareContext(history.slice(0, 3), {
      contextLength: 4,
      stepS: 1e6,
      scaling: { detrend: 'none', scale: 'none', missing: 'zero' },
    });
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
