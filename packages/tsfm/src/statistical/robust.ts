import type { Measurement } from '../measurement';

/** Median of the values (0 for none). Copies, so the input keeps its order. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
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
 * floor is the median of those excesses, so the best half of the exchanges count about
 * equally and no single lucky packet dominates the fit. Samples without either get the
 * floor (all equal when nothing is known: an ordinary least-squares fit).
 */
export function sampleSigmasS(window: readonly Measurement[], minSigmaS: number): number[] {
  let minDelayS = Infinity;
  for (const m of window) if (m.delayS !== null && m.uncertaintyS === undefined) minDelayS = Math.min(minDelayS, m.delayS);
  const excessS = window.map((m) =>
    m.uncertaintyS === undefined && m.delayS !== null ? (m.delayS - minDelayS) / 2 : undefined,
  );
  const known = excessS.filter((e): e is number => e !== undefined);
  const floorS = Math.max(minSigmaS, median(known));
  return window.map((m, i) => {
    if (m.uncertaintyS !== undefined) return Math.max(minSigmaS, m.uncertaintyS);
    const e = excessS[i];
    return e === undefined ? floorS : Math.hypot(floorS, e);
  });
}
