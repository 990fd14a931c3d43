import type { Measurement } from '../measurement';
import { MAD_TO_SIGMA, median } from '../statistical/robust';
import type { CardScaling } from './card';

/** How a context was normalised, so the output can be mapped back to seconds. */
export interface PreparedContext {
  /** The model input, `contextLength` values, NaN (or 0) for cells before the first measurement. */
  input: Float32Array;
  /** Host time of the newest measurement: horizon step u is at `endTimeS + u·stepS`. */
  endTimeS: number;
  /** Trend at the newest grid point, seconds (0 without detrending). */
  interceptS: number;
  /** Trend per grid step, seconds (0 without detrending). */
  slopeSPerStep: number;
  /** Seconds per model unit (1 without scaling). */
  scaleS: number;
  /** Robust scatter (1.4826·MAD) of the cells about their resistant line, seconds. */
  scatterS: number;
  /** Grid cells holding data (measured or interpolated). */
  availableCells: number;
}

/** The context window and the card's scaling rules. */
export interface PrepareSpec {
  contextLength: number;
  stepS: number;
  scaling: CardScaling;
}

function interpolateInterior(cells: Float64Array, first: number): void {
  let left = first;
  for (let k = first + 1; k < cells.length; k++) {
    if (Number.isNaN(cells[k] as number)) continue;
    if (k > left + 1) {
      const y0 = cells[left] as number;
      const slope = ((cells[k] as number) - y0) / (k - left);
      for (let j = left + 1; j < k; j++) cells[j] = slope * (j - left) + y0;
    }
    left = k;
  }
}

/**
 * Tukey's resistant line through (u, y): the slope joins the medians of the first and
 * last thirds, the intercept is the median of y − slope·u. Fewer than 3 points: flat
 * through their median.
 */
export function resistantLine(us: readonly number[], ys: readonly number[]): { intercept: number; slope: number } {
  const n = ys.length;
  if (n < 3) return { intercept: median(ys), slope: 0 };
  const third = Math.floor(n / 3);
  const slope = (median(ys.slice(-third)) - median(ys.slice(0, third))) / (median(us.slice(-third)) - median(us.slice(0, third)));
  return { intercept: median(ys.map((y, j) => y - slope * (us[j] as number))), slope };
}

/**
 * Resample measurements onto the model's grid and normalise them as the card says.
 *
 * The grid has `contextLength` cells of `stepS` seconds ending at the newest
 * measurement; a cell holds the median of the offsets in it (robust to one outlier,
 * less noisy when measurements are denser than the grid), empty cells between data
 * are interpolated linearly, cells before the first measurement are missing. With
 * `resistant_line`, Tukey's resistant line through the cells is subtracted (the drift,
 * which any clock has and no model needs to learn); with `residual_mad`, what remains
 * is divided by its robust scale and clipped. scripts/train/prep.py is the same
 * procedure in numpy; a golden fixture keeps the two equal.
 *
 * `history` must be sorted by time and non-empty.
 */
export function prepareContext(history: readonly Measurement[], spec: PrepareSpec): PreparedContext {
  const { contextLength: n, stepS, scaling } = spec;
  const last = history[history.length - 1] as Measurement;
  const endTimeS = last.tS;
  const cells = new Float64Array(n).fill(NaN);
  // Walk back from the newest measurement, one cell at a time.
  let i = history.length - 1;
  let bucket: number[] = [];
  let bucketCell = -1;
  const flush = (): void => {
    if (bucketCell >= 0 && bucket.length > 0) cells[bucketCell] = median(bucket);
    bucket = [];
  };
  for (; i >= 0; i--) {
    const m = history[i] as Measurement;
    const d = endTimeS - m.tS;
    if (!(d < n * stepS)) break;
    const cell = n - 1 - Math.floor(d / stepS);
    if (cell !== bucketCell) {
      flush();
      bucketCell = cell;
    }
    bucket.push(m.offsetS);
  }
  flush();
  let first = 0;
  while (first < n && Number.isNaN(cells[first] as number)) first++;
  interpolateInterior(cells, first);

  const available = n - first;
  const ys = Array.from(cells.subarray(first));
  const us = ys.map((_, j) => first + j - (n - 1));
  const line = resistantLine(us, ys);
  const minScaleS = scaling.min_scale_s ?? 1e-6;
  const scatterS = Math.max(MAD_TO_SIGMA * median(ys.map((y, j) => Math.abs(y - line.intercept - line.slope * (us[j] as number)))), minScaleS);
  const detrend = scaling.detrend === 'resistant_line';
  const interceptS = detrend ? line.intercept : 0;
  const slope = detrend ? line.slope : 0;
  const residuals = ys.map((y, j) => y - (interceptS + slope * (us[j] as number)));
  let scaleS = 1;
  if (scaling.scale === 'residual_mad') scaleS = Math.max(MAD_TO_SIGMA * median(residuals.map(Math.abs)), minScaleS);
  const clip = scaling.clip ?? Infinity;
  const input = new Float32Array(n).fill(scaling.missing === 'nan' ? NaN : 0);
  residuals.forEach((r, j) => {
    input[first + j] = Math.min(clip, Math.max(-clip, r / scaleS));
  });
  return { input, endTimeS, interceptS, slopeSPerStep: slope, scaleS, scatterS, availableCells: available };
}
