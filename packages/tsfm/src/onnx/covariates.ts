import type { Measurement } from '../measurement';
import type { CardCovariate } from './card';
import { cellIndexOf } from './prepare';

/**
 * One covariate on the context's grid, as {@link CardCovariate} describes: per slot the
 * mean reading of the measurements in that cell, empty slots interpolated linearly and
 * held beyond the first and last reading, relative to the newest cell's reading and
 * divided by `scale`. All zeros when no measurement in the window carries it.
 *
 * The grid is {@link prepareContext}'s: slot `contextLength − 1` is the cell holding the
 * newest measurement. `history` sorted by time and non-empty. scripts/train/prep.py
 * `covariate_grid` is the same procedure in numpy; a golden fixture keeps them equal.
 */
export function covariateGrid(
  history: readonly Measurement[],
  covariate: Pick<CardCovariate, 'name' | 'scale'>,
  contextLength: number,
  stepS: number,
): Float32Array {
  const n = contextLength;
  const sums = new Float64Array(n);
  const counts = new Uint32Array(n);
  const lastIndex = cellIndexOf((history[history.length - 1] as Measurement).tS, stepS);
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i] as Measurement;
    const slot = n - 1 - (lastIndex - cellIndexOf(m.tS, stepS));
    if (slot < 0) break;
    const value = m.covariates?.[covariate.name];
    if (value === undefined || !Number.isFinite(value)) continue;
    sums[slot] = (sums[slot] as number) + value;
    counts[slot] = (counts[slot] as number) + 1;
  }
  const out = new Float32Array(n);
  let newest = -1;
  for (let k = n - 1; k >= 0 && newest < 0; k--) if ((counts[k] as number) > 0) newest = k;
  if (newest < 0) return out;
  const mean = (k: number): number => (sums[k] as number) / (counts[k] as number);
  const referenceValue = mean(newest);
  let left = -1;
  for (let k = 0; k < n; k++) {
    if ((counts[k] as number) === 0) continue;
    const value = (mean(k) - referenceValue) / covariate.scale;
    if (left < 0) out.fill(value, 0, k);
    else {
      const from = out[left] as number;
      for (let j = left + 1; j < k; j++) out[j] = from + ((value - from) * (j - left)) / (k - left);
    }
    out[k] = value;
    left = k;
  }
  // Slots after the newest reading: the newest cell is the reference, so they hold 0.
  out.fill(0, newest + 1);
  return out;
}

/** Every covariate input a card declares, in its order, for one history. */
export function covariateInputs(
  history: readonly Measurement[],
  covariates: readonly CardCovariate[],
  contextLength: number,
  stepS: number,
): Float32Array[] {
  return covariates.map((c) => covariateGrid(history, c, contextLength, stepS));
}
