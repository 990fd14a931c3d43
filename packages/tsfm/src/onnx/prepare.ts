import type { Measurement } from '../measurement';
import { MAD_TO_SIGMA, median, medianInPlace } from '../statistical/robust';
import type { CardScaling } from './card';

/** How a context was normalised, so the output can be mapped back to seconds. */
export interface PreparedContext {
  /** The model input, `contextLength` values, NaN (or 0) for cells before the first measurement. */
  input: Float32Array;
  /** Host time of the newest measurement: horizon step u is at `endTimeS + u·stepS`. */
  endTimeS: number;
  /** Trend at the newest measurement's time, seconds (0 without detrending). */
  interceptS: number;
  /** Trend per grid step, seconds (0 without detrending). */
  slopeSPerStep: number;
  /** Seconds per model unit (1 without scaling). */
  scaleS: number;
  /** Robust scatter (1.4826·MAD) of the cells about their resistant line, seconds. */
  scatterS: number;
  /** Grid cells holding data (measured or interpolated). */
  availableCells: number;
  /** Cells set aside as outliers (read as missing, then interpolated). */
  rejectedCells: number;
  /** The card's covariate inputs, in its order (see covariates.ts); absent: all zeros. */
  covariates?: Float32Array[];
}

/** The context window and the card's scaling rules. */
export interface PrepareSpec {
  contextLength: number;
  stepS: number;
  scaling: CardScaling;
}

/**
 * One grid cell's summary: cell `index` covers [index·step, (index+1)·step) of host
 * time. The offset is the median of the cell's measurements, `meanTimeS` the mean of
 * their times relative to the cell's start (so the trend is fitted where the data
 * really are, not at the cell's edge).
 */
export interface GridCell {
  index: number;
  offsetS: number;
  meanTimeS: number;
  count: number;
}

/** Cells whose residual is beyond this many robust sigmas are outliers. */
export const CELL_REJECT_SIGMAS = 4;
/** This many newest cells rejected on the same side are a step of the clock, not outliers. */
export const CELL_STEP_RUN = 3;

/** The grid cell a host time falls in. */
export function cellIndexOf(tS: number, stepS: number): number {
  return Math.floor(tS / stepS);
}

/** Summarise the measurements of one cell (non-empty, all in cell `index`). */
export function summariseCell(index: number, stepS: number, offsetsS: readonly number[], timesS: readonly number[]): GridCell {
  const startS = index * stepS;
  let sum = 0;
  for (const t of timesS) sum += t - startS;
  return { index, offsetS: median(offsetsS), meanTimeS: sum / timesS.length, count: timesS.length };
}

/*
 * The daemon forecasts on a timer and the bench times each call, so preparation works
 * in module-level scratch arrays instead of allocating a few dozen short-lived arrays
 * per call: that garbage made a young-generation GC land in one forecast in ~25, and
 * those GCs were the forecast's p99. Everything here is synchronous, so one set of
 * scratch arrays serves every caller. The arithmetic is the same, operation for
 * operation, as the array version it replaced (kept equal by the golden fixture and
 * by GridCells/prepareFromCells agreeing with prepareContext).
 */

/** Grows to the largest cell count seen. Cells in time order: index, median offset, mean time, count. */
let cap = 0;
let cellIndex: Float64Array = new Float64Array(0);
let cellOffset: Float64Array = new Float64Array(0);
let cellMeanTime: Float64Array = new Float64Array(0);
let cellCount: Float64Array = new Float64Array(0);
/** Per cell: position on the trend's axis (grid steps from the newest measurement), residual, rejected. */
let cellU: Float64Array = new Float64Array(0);
let cellResidual: Float64Array = new Float64Array(0);
let cellRejected = new Uint8Array(0);
/** The kept cells' u and offset, for the refit without outliers. */
let keptU: Float64Array = new Float64Array(0);
let keptY: Float64Array = new Float64Array(0);
/** The context grid before scaling (NaN where empty). */
let gridScratch: Float64Array = new Float64Array(0);
/** Quickselect's workspace. */
let selectScratch: Float64Array = new Float64Array(0);

function ensureCells(m: number): void {
  if (m <= cap) return;
  const next = Math.max(m, 2 * cap, 64);
  // fillCells grows them as it goes: keep what they hold.
  const grow = (a: Float64Array): Float64Array => {
    const b = new Float64Array(next);
    b.set(a);
    return b;
  };
  cellIndex = grow(cellIndex);
  cellOffset = grow(cellOffset);
  cellMeanTime = grow(cellMeanTime);
  cellCount = grow(cellCount);
  cellU = new Float64Array(next);
  cellResidual = new Float64Array(next);
  cellRejected = new Uint8Array(next);
  keptU = new Float64Array(next);
  keptY = new Float64Array(next);
  cap = next;
}

function selectSpace(n: number): Float64Array {
  if (selectScratch.length < n) selectScratch = new Float64Array(Math.max(n, 2 * selectScratch.length, 64));
  return selectScratch;
}

/** Median of src[from..to), leaving src as it is. */
function medianOf(src: Float64Array, from: number, to: number): number {
  const n = to - from;
  const a = selectSpace(n);
  for (let i = 0; i < n; i++) a[i] = src[from + i] as number;
  return medianInPlace(a, n);
}

/** Median of |src[j]| over the cells not rejected (all of them when `rejected` is null). */
function medianAbsKept(src: Float64Array, m: number, rejected: Uint8Array | null): number {
  const a = selectSpace(m);
  let n = 0;
  for (let j = 0; j < m; j++) if (rejected === null || rejected[j] === 0) a[n++] = Math.abs(src[j] as number);
  return medianInPlace(a, n);
}

/**
 * Summarise the newest `contextLength` slots of `history` into the cell scratch arrays,
 * oldest cell first, as {@link gridCells} describes; returns the cell count.
 */
function fillCells(history: readonly Measurement[], contextLength: number, stepS: number): number {
  const last = history[history.length - 1] as Measurement;
  const lastIndex = cellIndexOf(last.tS, stepS);
  let m = 0;
  let i = history.length - 1;
  while (i >= 0) {
    const index = cellIndexOf((history[i] as Measurement).tS, stepS);
    if (index <= lastIndex - contextLength) break;
    const end = i;
    while (i >= 0 && cellIndexOf((history[i] as Measurement).tS, stepS) === index) i--;
    // Oldest first, as GridCells adds them (summariseCell's order): the mean time is summed in the same order.
    const count = end - i;
    const a = selectSpace(count);
    const startS = index * stepS;
    let sum = 0;
    for (let k = 0; k < count; k++) {
      const meas = history[i + 1 + k] as Measurement;
      a[k] = meas.offsetS;
      sum += meas.tS - startS;
    }
    ensureCells(m + 1);
    cellIndex[m] = index;
    cellOffset[m] = medianInPlace(a, count);
    cellMeanTime[m] = sum / count;
    cellCount[m] = count;
    m++;
  }
  // Found newest first.
  for (let lo = 0, hi = m - 1; lo < hi; lo++, hi--) {
    swap(cellIndex, lo, hi);
    swap(cellOffset, lo, hi);
    swap(cellMeanTime, lo, hi);
    swap(cellCount, lo, hi);
  }
  return m;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

/**
 * The cells of the newest `contextLength` grid slots ending with the one holding the
 * newest measurement; empty slots are absent. `history` sorted by time, non-empty.
 */
export function gridCells(history: readonly Measurement[], contextLength: number, stepS: number): GridCell[] {
  const m = fillCells(history, contextLength, stepS);
  const cells: GridCell[] = [];
  for (let j = 0; j < m; j++)
    cells.push({
      index: cellIndex[j] as number,
      offsetS: cellOffset[j] as number,
      meanTimeS: cellMeanTime[j] as number,
      count: cellCount[j] as number,
    });
  return cells;
}

/** Result of {@link fitLine}, kept here so the fit allocates nothing. */
let lineIntercept = 0;
let lineSlope = 0;

/** Tukey's resistant line through (us[j], ys[j]), j < n, into lineIntercept/lineSlope. */
function fitLine(us: Float64Array, ys: Float64Array, n: number): void {
  if (n < 3) {
    lineIntercept = medianOf(ys, 0, n);
    lineSlope = 0;
    return;
  }
  const third = Math.floor(n / 3);
  const du = medianOf(us, n - third, n) - medianOf(us, 0, third);
  if (!(du > 0)) {
    lineIntercept = medianOf(ys, 0, n);
    lineSlope = 0;
    return;
  }
  const slope = (medianOf(ys, n - third, n) - medianOf(ys, 0, third)) / du;
  const a = selectSpace(n);
  for (let j = 0; j < n; j++) a[j] = (ys[j] as number) - slope * (us[j] as number);
  lineIntercept = medianInPlace(a, n);
  lineSlope = slope;
}

/**
 * Tukey's resistant line through (u, y): the slope joins the medians of the first and
 * last thirds, the intercept is the median of y − slope·u. Fewer than 3 points: flat
 * through their median. `us` and `ys` are paired: the same length.
 */
export function resistantLine(us: readonly number[], ys: readonly number[]): { intercept: number; slope: number } {
  fitLine(Float64Array.from(us), Float64Array.from(ys), ys.length);
  return { intercept: lineIntercept, slope: lineSlope };
}

/**
 * Mark the outliers among the m cells' residuals in cellRejected: beyond
 * CELL_REJECT_SIGMAS, except a trailing same-sign run (a step). Returns how many.
 */
function rejectCells(m: number): number {
  const sigma = MAD_TO_SIGMA * medianAbsKept(cellResidual, m, null);
  for (let j = 0; j < m; j++) cellRejected[j] = sigma > 0 && Math.abs(cellResidual[j] as number) > CELL_REJECT_SIGMAS * sigma ? 1 : 0;
  let run = 0;
  for (
    let j = m - 1;
    j >= 0 && cellRejected[j] === 1 && Math.sign(cellResidual[j] as number) === Math.sign(cellResidual[m - 1] as number);
    j--
  )
    run++;
  if (run >= CELL_STEP_RUN) for (let j = m - run; j < m; j++) cellRejected[j] = 0;
  let count = 0;
  for (let j = 0; j < m; j++) count += cellRejected[j] as number;
  return count;
}

/**
 * Resample measurements onto the model's grid and normalise them as the card says.
 *
 * The grid is fixed in host time: cell k covers [k·step, (k+1)·step), and the context is
 * the `contextLength` cells ending with the one that holds the newest measurement (fixed
 * cells let a replay summarise each cell once, see {@link GridCells}). A cell holds the
 * median of its offsets at the mean time of its measurements. With `resistant_line`,
 * Tukey's resistant line is fitted through the cells at those times (u in grid steps
 * from the newest measurement); cells further than CELL_REJECT_SIGMAS robust sigmas off
 * it are outliers — a network spike alone in its cell, which a median cannot reject —
 * unless the newest CELL_STEP_RUN or more are off on the same side (the clock stepped);
 * the line is refitted without them, and the input is the cells' residuals about it,
 * outliers and empty cells between data interpolated linearly, cells before the first
 * measurement missing. With `residual_mad` the residuals are divided by their robust
 * scale and clipped. Without detrending the input is the cell medians themselves.
 * scripts/train/prep.py is the same procedure in numpy; a golden fixture keeps them equal.
 *
 * `history` must be sorted by time and non-empty.
 */
export function prepareContext(history: readonly Measurement[], spec: PrepareSpec): PreparedContext {
  const last = history[history.length - 1] as Measurement;
  const m = fillCells(history, spec.contextLength, spec.stepS);
  return prepareFilledCells(m, last.tS, spec);
}

/** {@link prepareContext} from cell summaries (time-ordered, the newest holding `endTimeS`). */
export function prepareFromCells(cells: readonly GridCell[], endTimeS: number, spec: PrepareSpec): PreparedContext {
  const m = cells.length;
  ensureCells(m);
  cells.forEach((c, j) => {
    cellIndex[j] = c.index;
    cellOffset[j] = c.offsetS;
    cellMeanTime[j] = c.meanTimeS;
    cellCount[j] = c.count;
  });
  return prepareFilledCells(m, endTimeS, spec);
}

/** The preparation proper, on the m cells in the scratch arrays. */
function prepareFilledCells(m: number, endTimeS: number, spec: PrepareSpec): PreparedContext {
  const { contextLength: n, stepS, scaling } = spec;
  ensureCells(m);
  const lastIndex = cellIndexOf(endTimeS, stepS);
  const us = cellU;
  const ys = cellOffset;
  const residuals = cellResidual;
  for (let j = 0; j < m; j++) us[j] = ((cellIndex[j] as number) * stepS + (cellMeanTime[j] as number) - endTimeS) / stepS;
  const detrend = scaling.detrend === 'resistant_line';
  fitLine(us, ys, m);
  for (let j = 0; j < m; j++) residuals[j] = (ys[j] as number) - lineIntercept - lineSlope * (us[j] as number);
  let rejectedCells = 0;
  if (detrend) rejectedCells = rejectCells(m);
  else cellRejected.fill(0, 0, m);
  if (rejectedCells > 0) {
    let k = 0;
    for (let j = 0; j < m; j++) {
      if (cellRejected[j] === 1) continue;
      keptU[k] = us[j] as number;
      keptY[k] = ys[j] as number;
      k++;
    }
    fitLine(keptU, keptY, k);
    for (let j = 0; j < m; j++) residuals[j] = (ys[j] as number) - lineIntercept - lineSlope * (us[j] as number);
  }
  const minScaleS = scaling.min_scale_s ?? 1e-6;
  const scatterS = Math.max(MAD_TO_SIGMA * medianAbsKept(residuals, m, cellRejected), minScaleS);
  const interceptS = detrend ? lineIntercept : 0;
  const slope = detrend ? lineSlope : 0;
  const values = detrend ? residuals : ys;
  let scaleS = 1;
  if (scaling.scale === 'residual_mad') scaleS = Math.max(MAD_TO_SIGMA * medianAbsKept(values, m, cellRejected), minScaleS);

  // Place the kept cells in their slots, interpolate between them. A slot outside
  // [0, n) (a cell outside the window) is dropped, as a write past a typed array's end is.
  if (gridScratch.length < n) gridScratch = new Float64Array(Math.max(n, 2 * gridScratch.length));
  const grid = gridScratch;
  grid.fill(NaN, 0, n);
  for (let j = 0; j < m; j++) {
    const slot = n - 1 - (lastIndex - (cellIndex[j] as number));
    if (cellRejected[j] === 0 && Number.isInteger(slot) && slot >= 0 && slot < n) grid[slot] = values[j] as number;
  }
  let first = 0;
  while (first < n && Number.isNaN(grid[first] as number)) first++;
  let left = first;
  for (let k = first + 1; k < n; k++) {
    if (Number.isNaN(grid[k] as number)) continue;
    for (let j = left + 1; j < k; j++)
      grid[j] = (grid[left] as number) + (((grid[k] as number) - (grid[left] as number)) * (j - left)) / (k - left);
    left = k;
  }
  // A rejected newest cell leaves trailing slots empty: hold the last kept value.
  for (let k = left + 1; k < n; k++) grid[k] = grid[left] as number;
  const clip = scaling.clip ?? Infinity;
  const input = new Float32Array(n).fill(scaling.missing === 'nan' ? NaN : 0);
  for (let k = first; k < n; k++) input[k] = Math.min(clip, Math.max(-clip, (grid[k] as number) / scaleS));
  return { input, endTimeS, interceptS, slopeSPerStep: slope, scaleS, scatterS, availableCells: n - first, rejectedCells };
}

/**
 * Cell summaries of a growing series, for replays: measurements are added in time
 * order, a cell is summarised once when the series moves past it, and
 * {@link GridCells.context} answers as {@link gridCells} would on the whole series so far.
 */
export class GridCells {
  private readonly done: GridCell[] = [];
  private openIndex = NaN;
  private openOffsets: number[] = [];
  private openTimes: number[] = [];
  private endTimeS = -Infinity;

  constructor(readonly stepS: number) {}

  /** Add the next measurement (not older than the previous one). */
  add(m: Measurement): void {
    const index = cellIndexOf(m.tS, this.stepS);
    if (index !== this.openIndex) {
      this.close();
      this.openIndex = index;
    }
    this.openOffsets.push(m.offsetS);
    this.openTimes.push(m.tS);
    this.endTimeS = m.tS;
  }

  /** Time of the newest measurement added. */
  get newestTimeS(): number {
    return this.endTimeS;
  }

  /** The newest `contextLength` slots' cells, as {@link gridCells}. */
  context(contextLength: number): GridCell[] {
    if (this.openTimes.length === 0) return [];
    const open = summariseCell(this.openIndex, this.stepS, this.openOffsets, this.openTimes);
    const out: GridCell[] = [open];
    for (let j = this.done.length - 1; j >= 0; j--) {
      const c = this.done[j] as GridCell;
      if (c.index <= this.openIndex - contextLength) break;
      out.push(c);
    }
    return out.reverse();
  }

  private close(): void {
    if (this.openTimes.length > 0) this.done.push(summariseCell(this.openIndex, this.stepS, this.openOffsets, this.openTimes));
    this.openOffsets = [];
    this.openTimes = [];
  }
}
