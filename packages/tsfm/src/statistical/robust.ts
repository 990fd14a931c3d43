import type { Measurement } from '../measurement';

/**
 * Median of the values (0 for none); the mean of the two middle ones for an even count.
 * Copies, so the input keeps its order. Quickselect on a typed copy: the linear fit's
 * Theil–Sen slopes take thousands of medians per replay, and a full comparator sort was
 * most of the replay's time.
 */
export function median(values: readonly number[] | Float64Array): number {
  return medianInPlace(Float64Array.from(values), values.length);
}

/**
 * Median of the first `n` values of `a`, reordering them (0 for none): the mean of the
 * two middle ones for an even count. For hot paths that keep a scratch array, so a
 * median allocates nothing; {@link median} is this on a copy.
 */
export function medianInPlace(a: Float64Array, n: number): number {
  if (n === 0) return 0;
  const mid = n >> 1;
  const hi = selectKth(a, n, mid);
  if (n % 2 === 1) return hi;
  // After selection everything left of `mid` is ≤ a[mid]: the lower middle is their maximum.
  let lo = -Infinity;
  for (let i = 0; i < mid; i++) if ((a[i] as number) > lo) lo = a[i] as number;
  return (lo + hi) / 2;
}

/** The value at `q` (0..1) of the first `n` values of `a`, the lower one between two; reorders them (0 for none). */
export function lowerQuantileInPlace(a: Float64Array, n: number, q: number): number {
  return n === 0 ? 0 : selectKth(a, n, Math.floor(q * (n - 1)));
}

/** The k-th smallest (from 0) of the first `n` values of `a`, reordering them. */
export function kthSmallestInPlace(a: Float64Array, n: number, k: number): number {
  return selectKth(a, n, k);
}

/** Hoare's quickselect over a[0..n): reorders so that a[k] is the k-th smallest, and returns it. */
function selectKth(a: Float64Array, n: number, k: number): number {
  let left = 0;
  let right = n - 1;
  while (right > left) {
    // Median of three as the pivot keeps sorted and nearly sorted input linear.
    const m = (left + right) >> 1;
    const x = a[left] as number,
      y = a[m] as number,
      z = a[right] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

/** Consistency factor that turns a MAD into a standard deviation for Gaussian data. */
export const MAD_TO_SIGMA = 1.482602218505602;

/** Robust standard deviation: 1.4826 × the median absolute deviation from the median. */
export function madSigma(values: readonly number[]): number {
  const m = median(values);
  return MAD_TO_SIGMA * median(values.map((v) => Math.abs(v - m)));
}

/**
 * Measurement noise of a series whose own uncertainties are unknown, from the robust
 * scale of successive differences (each difference carries two samples' noise, hence
 * the √2). Differences cancel a slowly moving offset, so drift does not inflate it.
 * Returns `fallbackS` when there are fewer than three samples or the scale is zero.
 */
export function noiseFromDifferences(history: readonly Measurement[], fallbackS: number): number {
  if (history.length < 3) return fallbackS;
  const diffs: number[] = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1];
    const b = history[i];
    if (a !== undefined && b !== undefined) diffs.push(b.offsetS - a.offsetS);
  }
  const sigma = madSigma(diffs) / Math.SQRT2;
  return sigma > 0 ? sigma : fallbackS;
}

/**
 * Relative one-sigma error of each sample, seconds. A stated `uncertaintyS` is used as
 * is. Otherwise the round-trip delay bounds the error: an exchange's offset error is
 * half its path asymmetry, and queueing in either direction shows as delay above the
 * window's minimum, so half the excess delay is the scale of that sample's error. The
 * floor is the median of those excesses (or their `floorQuantile`), so the best half of
 * the exchanges count about equally and no single lucky packet dominates the fit. Samples
 * without either get the floor (all equal when nothing is known: an ordinary least-squares fit).
 */
export function sampleSigmasS(window: readonly Measurement[], minSigmaS: number, floorQuantile = 0.5): number[] {
  const n = window.length;
  let minDelayS = Infinity;
  for (let i = 0; i < n; i++) {
    const m = window[i] as Measurement;
    if (m.delayS !== null && m.uncertaintyS === undefined) minDelayS = Math.min(minDelayS, m.delayS);
  }
  // Excess delays in a typed array, NaN where unknown: every fit of every round calls this.
  const excessS = new Float64Array(n);
  const known = new Float64Array(n);
  let knownCount = 0;
  for (let i = 0; i < n; i++) {
    const m = window[i] as Measurement;
    const e = m.uncertaintyS === undefined && m.delayS !== null ? (m.delayS - minDelayS) / 2 : NaN;
    excessS[i] = e;
    if (!Number.isNaN(e)) known[knownCount++] = e;
  }
  const floorS = Math.max(
    minSigmaS,
    floorQuantile === 0.5 ? medianInPlace(known, knownCount) : lowerQuantileInPlace(known, knownCount, floorQuantile),
  );
  const sigmas = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const stated = (window[i] as Measurement).uncertaintyS;
    const e = excessS[i] as number;
    sigmas[i] = stated !== undefined ? Math.max(minSigmaS, stated) : Number.isNaN(e) ? floorS : hypotOf(floorS, e);
  }
  return sigmas;
}

/**
 * √(a² + b²) for a, b ≥ 0, rounded exactly as Math.hypot rounds it (scaled by the
 * larger), without its variadic builtin call: once per sample of every fit.
 */
function hypotOf(a: number, b: number): number {
  const max = a > b ? a : b;
  if (max === 0) return 0;
  const ra = a / max;
  const rb = b / max;
  return Math.sqrt(ra * ra + rb * rb) * max;
}
