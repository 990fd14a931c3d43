import type { Measurement } from '../measurement';
import { MAD_TO_SIGMA, median } from '../statistical/robust';
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

/**
 * The cells of the newest `contextLength` grid slots ending with the one holding the
 * newest measurement; empty slots are absent. `history` sorted by time, non-empty.
 */
export function gridCells(history: readonly Measurement[], contextLength: number, stepS: number): GridCell[] {
  const last = history[history.length - 1] as Measurement;
  const lastIndex = cellIndexOf(last.tS, stepS);
  const cells: GridCell[] = [];
  let i = history.length - 1;
  while (i >= 0) {
    const index = cellIndexOf((history[i] as Measurement).tS, stepS);
    if (index <= lastIndex - contextLength) break;
    const end = i;
    while (i >= 0 && cellIndexOf((history[i] as Measurement).tS, stepS) === index) i--;
    // Oldest first, as GridCells adds them: the mean time is summed in the same order.
    const inCell = history.slice(i + 1, end + 1);
    cells.push(
      summariseCell(
        index,
        stepS,
        inCell.map((m) => m.offsetS),
        inCell.map((m) => m.tS),
      ),
    );
  }
  return cells.reverse();
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
  const du = median(us.slice(-third)) - median(us.slice(0, third));
  if (!(du > 0)) return { intercept: median(ys), slope: 0 };
  const slope = (median(ys.slice(-third)) - median(ys.slice(0, third))) / du;
  return { intercept: median(ys.map((y, j) => y - slope * (us[j] as number))), slope };
}

/** Which cells are outliers against the line: beyond CELL_REJECT_SIGMAS, except a trailing same-sign run (a step). */
function rejectCells(residuals: readonly number[]): boolean[] {
  const sigma = MAD_TO_SIGMA * median(residuals.map(Math.abs));
  const out = residuals.map((r) => sigma > 0 && Math.abs(r) > CELL_REJECT_SIGMAS * sigma);
  let run = 0;
  for (
    let j = out.length - 1;
    j >= 0 && out[j] && Math.sign(residuals[j] as number) === Math.sign(residuals[out.length - 1] as number);
    j--
  )
    run++;
  if (run >= CELL_STEP_RUN) for (let j = out.length - run; j < out.length; j++) out[j] = false;
  return out;
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
  return prepareFromCells(gridCells(history, spec.contextLength, spec.stepS), last.tS, spec);
}

/** {@link prepareContext} from cell summaries (time-ordered, the newest holding `endTimeS`). */
export function prepareFromCells(cells: readonly GridCell[], endTimeS: number, spec: PrepareSpec): PreparedContext {
  const { contextLength: n, stepS, scaling } = spec;
  const lastIndex = cellIndexOf(endTimeS, stepS);
  const slots = cells.map((c) => n - 1 - (lastIndex - c.index));
  const us = cells.map((c) => (c.index * stepS + c.meanTimeS - endTimeS) / stepS);
  const ys = cells.map((c) => c.offsetS);
  const detrend = scaling.detrend === 'resistant_line';
  let line = resistantLine(us, ys);
  let residuals = ys.map((y, j) => y - line.intercept - line.slope * (us[j] as number));
  const rejected = detrend ? rejectCells(residuals) : residuals.map(() => false);
  const rejectedCells = rejected.filter(Boolean).length;
  if (rejectedCells > 0) {
    const keep = (_: number, j: number): boolean => !rejected[j];
    line = resistantLine(us.filter(keep), ys.filter(keep));
    residuals = ys.map((y, j) => y - line.intercept - line.slope * (us[j] as number));
  }
  const minScaleS = scaling.min_scale_s ?? 1e-6;
  const kept = residuals.filter((_, j) => !rejected[j]);
  const scatterS = Math.max(MAD_TO_SIGMA * median(kept.map(Math.abs)), minScaleS);
  const interceptS = detrend ? line.intercept : 0;
  const slope = detrend ? line.slope : 0;
  const values = detrend ? residuals : ys;
  let scaleS = 1;
  if (scaling.scale === 'residual_mad')
    scaleS = Math.max(MAD_TO_SIGMA * median(values.filter((_, j) => !rejected[j]).map(Math.abs)), minScaleS);

  // Place the kept cells in their slots, interpolate between them.
  const grid = new Float64Array(n).fill(NaN);
  cells.forEach((_, j) => {
    if (!rejected[j]) grid[slots[j] as number] = values[j] as number;
  });
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
