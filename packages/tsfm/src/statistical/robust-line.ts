import { madSigma, median } from './robust';

/** A weighted straight line y = yBar + slope·(t − tBar), with the sums its errors need. */
export interface WeightedLine {
  tBarS: number;
  yBarS: number;
  slope: number;
  sumW: number;
  /** Σ w (t − t̄)²; 0 when the kept samples span no time. */
  sTT: number;
}

/** Weighted least-squares line through the kept samples (at least one must be kept). */
export function weightedLine(ts: readonly number[], ys: readonly number[], ws: readonly number[], keep: readonly boolean[]): WeightedLine {
  let sumW = 0, sumT = 0, sumY = 0;
  ts.forEach((t, i) => {
    if (!keep[i]) return;
    const w = ws[i] ?? 0;
    sumW += w; sumT += w * t; sumY += w * (ys[i] ?? 0);
  });
  const tBarS = sumT / sumW;
  const yBarS = sumY / sumW;
  let sTT = 0, sTY = 0;
  ts.forEach((t, i) => {
    if (!keep[i]) return;
    const w = ws[i] ?? 0;
    sTT += w * (t - tBarS) ** 2;
    sTY += w * (t - tBarS) * ((ys[i] ?? 0) - yBarS);
  });
  // A window at one instant (or one sample) determines no slope: hold the drift at 0.
  return { tBarS, yBarS, slope: sTT > 0 ? sTY / sTT : 0, sumW, sTT };
}

/** Residuals of every sample (kept or not) about a line. */
export function residualsS(line: WeightedLine, ts: readonly number[], ys: readonly number[]): number[] {
  return ts.map((t, i) => (ys[i] ?? 0) - line.yBarS - line.slope * (t - line.tBarS));
}

/** Tuning of {@link robustLine}. */
export interface RobustLineOptions {
  rejectSigmas: number;
  maxRejectFraction: number;
  maxIterations: number;
}

/**
 * Fit, reject, refit: each round standardizes every residual by its sample's sigma and
 * rejects those further than `rejectSigmas` robust (MAD) sigmas from the median, the
 * worst first and never more than `maxRejectFraction` of the samples. A sample rejected
 * in one round may come back in the next once the line has moved off the outliers.
 */
export function robustLine(
  ts: readonly number[],
  ys: readonly number[],
  sigmas: readonly number[],
  options: RobustLineOptions,
): { line: WeightedLine; keep: boolean[] } {
  const n = ts.length;
  const ws = sigmas.map((s) => 1 / (s * s));
  let keep = ts.map(() => true);
  let line = weightedLine(ts, ys, ws, keep);
  const maxRejected = Math.floor(n * options.maxRejectFraction);
  for (let round = 0; round < options.maxIterations && n >= 3 && maxRejected > 0; round++) {
    const z = residualsS(line, ts, ys).map((r, i) => r / (sigmas[i] ?? 1));
    const zKept = z.filter((_, i) => keep[i]);
    const centre = median(zKept);
    const scale = madSigma(zKept);
    // An exact fit has zero scale; a 1 ns tolerance keeps rounding noise from counting as outliers.
    const limits = sigmas.map((s) => Math.max(options.rejectSigmas * scale, 1e-9 / s));
    const worst = z.map((v, i) => ({ i, excess: Math.abs(v - centre) / (limits[i] ?? 1) })).sort((a, b) => b.excess - a.excess);
    const next = ts.map(() => true);
    worst.slice(0, maxRejected).forEach(({ i, excess }) => { if (excess > 1) next[i] = false; });
    if (next.every((k, i) => k === keep[i])) break;
    keep = next;
    line = weightedLine(ts, ys, ws, keep);
  }
  return { line, keep };
}

/**
 * Wald–Wolfowitz runs test on the signs of residuals in time order: true when there
 * are too few sign changes for noise about a straight line (at about the 1% level), i.e.
 * the line no longer describes the window, as when the drift has changed. Chrony shrinks
 * its regression window on the same evidence. Fewer than 8 signed residuals: false.
 */
export function tooFewRuns(residuals: readonly number[], z = 2.33): boolean {
  const signs = residuals.filter((r) => r !== 0).map((r) => r > 0);
  const n = signs.length;
  if (n < 8) return false;
  const pos = signs.filter((s) => s).length;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return true;
  let runs = 1;
  for (let i = 1; i < n; i++) if (signs[i] !== signs[i - 1]) runs++;
  const mean = (2 * pos * neg) / n + 1;
  const variance = ((mean - 1) * (mean - 2)) / (n - 1);
  return runs < mean - z * Math.sqrt(variance);
}
