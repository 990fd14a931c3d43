import { TsfmError } from '../errors';
import { normalQuantile, type ForecastPoint, type Quantile } from '../forecaster';
import type { ModelCard } from './card';
import type { PreparedContext } from './prepare';

/** One batch row of the output: values[j][q] for horizon column j and quantile q, model units. */
export type QuantileGrid = Float64Array[];

/** Where value k of horizon column j of batch row `row` sits in the output tensor. */
function at(card: ModelCard, row: number, j: number, k: number): number {
  const h = card.horizon;
  const q = card.quantile_levels.length;
  const base = row * h * q;
  return (card.outputs[0]?.layout ?? 'batch_quantile_horizon') === 'batch_horizon_quantile' ? base + j * q + k : base + k * h + j;
}

/** Throw, naming the first non-finite value of batch row `row` (column by column), if there is one. */
function checkRow(data: ArrayLike<number>, card: ModelCard, row: number): void {
  const q = card.quantile_levels.length;
  for (let j = 0; j < card.horizon; j++) {
    for (let k = 0; k < q; k++) {
      if (!Number.isFinite(data[at(card, row, j, k)] as number)) {
        throw new TsfmError(
          'TSFM_INFERENCE_FAILED',
          `model ${card.name} produced a non-finite value (row ${row}, step ${j})`,
          'the model misbehaves on this input; use a statistical model or fallback',
        );
      }
    }
  }
}

/** Horizon column j of batch row `row` into `col` (length = quantile count), sorted. */
function sortedColumn(data: ArrayLike<number>, card: ModelCard, row: number, j: number, col: Float64Array): Float64Array {
  for (let k = 0; k < col.length; k++) col[k] = data[at(card, row, j, k)] as number;
  // Quantile crossing would make σ negative; sorting is the standard repair.
  return col.sort();
}

/** Pull batch row `row` out of the output tensor into [horizon][quantile] order. */
export function outputRow(data: ArrayLike<number>, card: ModelCard, row: number): QuantileGrid {
  checkRow(data, card, row);
  const grid: QuantileGrid = [];
  for (let j = 0; j < card.horizon; j++) grid.push(sortedColumn(data, card, row, j, new Float64Array(card.quantile_levels.length)));
  return grid;
}

/** z-scores of the outermost pair of levels, used to turn a quantile spread into σ. */
function spreadZ(levels: readonly number[]): { lo: number; hi: number; dz: number } | null {
  if (levels.length < 2) return null;
  const lo = 0;
  const hi = levels.length - 1;
  const dz = normalQuantile(levels[hi] as number) - normalQuantile(levels[lo] as number);
  return dz > 0 ? { lo, hi, dz } : null;
}

// spreadZ by levels array (a card's, so one or two entries), with the levels it was
// computed from: normalQuantile allocates, and this runs on every forecast.
const spreadZCache = new WeakMap<readonly number[], { levels: number[]; z: ReturnType<typeof spreadZ> }>();

function cachedSpreadZ(levels: readonly number[]): ReturnType<typeof spreadZ> {
  const hit = spreadZCache.get(levels);
  if (hit && hit.levels.length === levels.length) {
    let same = true;
    for (let k = 0; k < levels.length; k++) same &&= hit.levels[k] === levels[k];
    if (same) return hit.z;
  }
  const z = spreadZ(levels);
  spreadZCache.set(levels, { levels: [...levels], z });
  return z;
}

// Per-target workspace of decodePoints (synchronous, so shared).
let rawScratch = new Float64Array(0);
let valueScratch = new Float64Array(0);
let colScratchA = new Float64Array(0);
let colScratchB = new Float64Array(0);

/**
 * decodeForecast's arithmetic over `columns` horizon columns; `column(j, second)` gives
 * column j sorted (it may reuse one buffer for each value of `second`).
 */
function decodePoints(
  column: (j: number, second: boolean) => Float64Array,
  columns: number,
  card: ModelCard,
  prep: PreparedContext,
  targetTimesS: readonly number[],
): ForecastPoint[] {
  const levels = card.quantile_levels;
  const q = levels.length;
  const medianAt = levels.indexOf(0.5);
  const z = cachedSpreadZ(levels);
  const first = card.first_step;
  const lastCol = columns - 1;
  const spread = card.scaling.spread_scale ?? 1;
  if (rawScratch.length < q) {
    rawScratch = new Float64Array(q);
    valueScratch = new Float64Array(q);
  }
  const raw = rawScratch;
  const values = valueScratch;
  const points: ForecastPoint[] = [];
  for (const tS of targetTimesS) {
    const u = (tS - prep.endTimeS) / card.step_s;
    const pos = Math.min(Math.max(u - first, 0), lastCol);
    if (Number.isNaN(pos)) throw new TsfmError('TSFM_BAD_OPTIONS', `target time ${tS} is not a number`);
    const j0 = Math.floor(pos);
    const j1 = Math.min(j0 + 1, lastCol);
    const w = pos - j0;
    const a = column(j0, false);
    const b = column(j1, true);
    const trendS = prep.interceptS + prep.slopeSPerStep * u;
    let sum = 0;
    for (let k = 0; k < q; k++) {
      raw[k] = trendS + prep.scaleS * ((a[k] as number) * (1 - w) + (b[k] as number) * w);
      sum += raw[k] as number;
    }
    const meanS = medianAt >= 0 ? (raw[medianAt] as number) : sum / q;
    for (let k = 0; k < q; k++) values[k] = meanS + spread * ((raw[k] as number) - meanS);
    let sigmaS = z === null ? prep.scatterS : ((values[z.hi] as number) - (values[z.lo] as number)) / z.dz;
    const uLast = first + lastCol;
    if (u > uLast && uLast > 0) sigmaS *= Math.sqrt(u / uLast);
    // σ must stay finite and positive (the forecast contract); a collapsed spread is not certainty.
    sigmaS = Math.max(sigmaS, card.scaling.min_scale_s ?? 1e-6);
    const point: ForecastPoint = { tS, meanS, sigmaS };
    if (q > 1) {
      const quantiles: Quantile[] = [];
      for (let k = 0; k < q; k++) quantiles.push({ level: levels[k] as number, valueS: values[k] as number });
      point.quantiles = quantiles;
    }
    points.push(point);
  }
  return points;
}

/**
 * Turn a model's output into forecast points at arbitrary instants. Horizon column j
 * is at u = first_step + j grid steps after the newest measurement; between columns
 * the quantiles are interpolated linearly, before the first column they are held
 * (the trend carries the motion), beyond the last they are held and σ grows as √(u/u_last).
 * Mean: the 0.5 quantile when there is one, else the mean of the quantiles. σ: the
 * outermost quantile pair's spread over its normal z-distance, after every quantile's
 * distance from the mean is multiplied by the card's `scaling.spread_scale` (the
 * calibration fitted at training); a point forecast
 * (one level) gets the context's own residual scatter.
 */
export function decodeForecast(
  grid: QuantileGrid,
  card: ModelCard,
  prep: PreparedContext,
  targetTimesS: readonly number[],
): ForecastPoint[] {
  return decodePoints((j) => grid[j] as Float64Array, grid.length, card, prep, targetTimesS);
}

/**
 * {@link decodeForecast} of {@link outputRow}, straight from the output tensor: the same
 * checks and the same numbers, but only the columns the targets fall between are
 * copied out (into reused buffers), so a forecast leaves next to no garbage.
 */
export function decodeOutputRow(
  data: ArrayLike<number>,
  card: ModelCard,
  row: number,
  prep: PreparedContext,
  targetTimesS: readonly number[],
): ForecastPoint[] {
  checkRow(data, card, row);
  const q = card.quantile_levels.length;
  if (colScratchA.length !== q) {
    colScratchA = new Float64Array(q);
    colScratchB = new Float64Array(q);
  }
  const column = (j: number, second: boolean): Float64Array => sortedColumn(data, card, row, j, second ? colScratchB : colScratchA);
  return decodePoints(column, card.horizon, card, prep, targetTimesS);
}
