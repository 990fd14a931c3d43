import { madSigma, median, medianInPlace } from './robust';

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
  let sumW = 0,
    sumT = 0,
    sumY = 0;
  ts.forEach((t, i) => {
    if (!keep[i]) return;
    const w = ws[i] ?? 0;
    sumW += w;
    sumT += w * t;
    sumY += w * (ys[i] ?? 0);
  });
  const tBarS = sumT / sumW;
  const yBarS = sumY / sumW;
  let sTT = 0,
    sTY = 0;
  ts.forEach((t, i) => {
    if (!keep[i]) return;
    const w = ws[i] ?? 0;
    sTT += w * (t - tBarS) ** 2;
    sTY += w * (t - tBarS) * ((ys[i] ?? 0) - yBarS);
  });
  // A window at one instant (or one sample) determines no slope: hold the drift at 0.
  return { tBarS, yBarS, slope: sTT > 0 ? sTY / sTT : 0, sumW, sTT };
}

/**
 * Theil–Sen line: the median of pairwise slopes, then the median intercept. Robust to
 * nearly 30% outliers wherever they sit. All pairs up to 200 samples; beyond that each
 * sample is paired with the one half a window later, which keeps it O(n log n).
 */
export function theilSenLine(ts: readonly number[], ys: readonly number[], ws: readonly number[]): WeightedLine {
  const n = ts.length;
  // Every pair's slope into one typed array, its median selected in place: the linear
  // fit runs this at every round, and a number[] of 2016 slopes copied for the median
  // was a fifth of residual_ar's refit.
  const allPairs = n <= 200;
  const slopes = new Float64Array(allPairs ? (n * (n - 1)) / 2 : n);
  let count = 0;
  const addPair = (i: number, j: number): void => {
    const dt = (ts[j] ?? 0) - (ts[i] ?? 0);
    if (dt !== 0) slopes[count++] = ((ys[j] ?? 0) - (ys[i] ?? 0)) / dt;
  };
  if (allPairs) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) addPair(i, j);
  } else {
    const half = n >> 1;
    for (let i = 0; i + half < n; i++) addPair(i, i + half);
  }
  const slope = medianInPlace(slopes, count);
  const base = weightedLine(
    ts,
    ys,
    ws,
    ts.map(() => true),
  );
  const yBarS = base.yBarS + median(ys.map((y, i) => y - base.yBarS - slope * ((ts[i] ?? 0) - base.tBarS)));
  return { ...base, slope, yBarS };
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
  // Start from a line outliers cannot tilt: least squares would lean towards a cluster
  // of them at the end of the window (a step) and hide them in its own scatter.
  let line = n >= 3 ? theilSenLine(ts, ys, ws) : weightedLine(ts, ys, ws, keep);
  const maxRejected = Math.floor(n * options.maxRejectFraction);
  for (let round = 0; round < options.maxIterations && n >= 3; round++) {
    const z = residualsS(line, ts, ys).map((r, i) => r / (sigmas[i] ?? 1));
    const zKept = z.filter((_, i) => keep[i]);
    const centre = median(zKept);
    const scale = madSigma(zKept);
    // An exact fit has zero scale; a 1 ns tolerance keeps rounding noise from counting as outliers.
    const limits = sigmas.map((s) => Math.max(options.rejectSigmas * scale, 1e-9 / s));
    // Only samples beyond their limit are candidates; the worst of them go first.
    const beyond: { i: number; excess: number }[] = [];
    z.forEach((v, i) => {
      const excess = Math.abs(v - centre) / (limits[i] ?? 1);
      if (excess > 1) beyond.push({ i, excess });
    });
    beyond.sort((a, b) => b.excess - a.excess);
    const next = ts.map(() => true);
    for (const { i } of beyond.slice(0, maxRejected)) next[i] = false;
    if (round > 0 && next.every((k, i) => k === keep[i])) break;
    keep = next;
    line = weightedLine(ts, ys, ws, keep);
  }
  return { line, keep };
}

/**
 * Wald–Wolfowitz runs test on the signs of residuals in time order: true when there
 * are too few sign changes for noise about a straight line (at about the 1% level), i.e.
 * the line no longer describes the window, as when the drift has changed. Chrony shrinks
 * its regression window on the same evidence. Fewer than 8 residuals above `epsilonS`: false.
 */
export function tooFewRuns(residuals: readonly number[], z = 2.33, epsilonS = 1e-9): boolean {
  // Residuals below a nanosecond are rounding, not evidence of either sign.
  const signs = residuals.filter((r) => Math.abs(r) > epsilonS).map((r) => r > 0);
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
