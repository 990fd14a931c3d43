import { MAD_TO_SIGMA, kthSmallestInPlace, medianInPlace } from './robust';

// The fit-and-reject loop runs at every forecast of residual_ar and of the daemon's
// linear fit, several times per window when the runs test shrinks it. Its columns are
// Float64Arrays and its scratch is reused, so a round allocates only its keep mask:
// arrays of mixed element kinds made V8 deoptimize these functions again and again,
// and those slow stretches and the garbage, not the arithmetic, were the refit's tail.

/** A weighted straight line y = yBar + slope·(t − tBar), with the sums its errors need. */
export interface WeightedLine {
  tBarS: number;
  yBarS: number;
  slope: number;
  sumW: number;
  /** Σ w (t − t̄)²; 0 when the kept samples span no time. */
  sTT: number;
}

/** Weighted least-squares line through the kept samples (keep[i] ≠ 0; at least one). */
export function weightedLine(ts: Float64Array, ys: Float64Array, ws: Float64Array, keep: Uint8Array): WeightedLine {
  const n = ts.length;
  let sumW = 0,
    sumT = 0,
    sumY = 0;
  for (let i = 0; i < n; i++) {
    if (keep[i] === 0) continue;
    const w = ws[i] as number;
    sumW += w;
    sumT += w * (ts[i] as number);
    sumY += w * (ys[i] as number);
  }
  const tBarS = sumT / sumW;
  const yBarS = sumY / sumW;
  let sTT = 0,
    sTY = 0;
  for (let i = 0; i < n; i++) {
    if (keep[i] === 0) continue;
    const w = ws[i] as number;
    const dt = (ts[i] as number) - tBarS;
    sTT += w * dt ** 2;
    sTY += w * dt * ((ys[i] as number) - yBarS);
  }
  // A window at one instant (or one sample) determines no slope: hold the drift at 0.
  return { tBarS, yBarS, slope: sTT > 0 ? sTY / sTT : 0, sumW, sTT };
}

/**
 * Scratch for the pairwise slopes, grown to the largest window seen (2016 at 64 samples,
 * 19 900 at 200); one fit at a time uses it (single-threaded, never re-entered).
 */
let slopeScratch = new Float64Array(2016);

/**
 * Theil–Sen line: the median of pairwise slopes, then the median intercept. Robust to
 * nearly 30% outliers wherever they sit. All pairs up to 200 samples; beyond that each
 * sample is paired with the one half a window later, which keeps it O(n log n).
 */
export function theilSenLine(ts: Float64Array, ys: Float64Array, ws: Float64Array): WeightedLine {
  const n = ts.length;
  const allPairs = n <= 200;
  const pairs = allPairs ? (n * (n - 1)) / 2 : n;
  if (slopeScratch.length < pairs) slopeScratch = new Float64Array(pairs);
  const slopes = slopeScratch;
  let count = 0;
  if (allPairs) {
    for (let i = 0; i < n; i++) {
      const ti = ts[i] as number;
      const yi = ys[i] as number;
      for (let j = i + 1; j < n; j++) {
        const dt = (ts[j] as number) - ti;
        if (dt !== 0) slopes[count++] = ((ys[j] as number) - yi) / dt;
      }
    }
  } else {
    const half = n >> 1;
    for (let i = 0; i + half < n; i++) {
      const dt = (ts[i + half] as number) - (ts[i] as number);
      if (dt !== 0) slopes[count++] = ((ys[i + half] as number) - (ys[i] as number)) / dt;
    }
  }
  const slope = medianInPlace(slopes, count);
  const base = weightedLine(ts, ys, ws, new Uint8Array(n).fill(1));
  for (let i = 0; i < n; i++) slopes[i] = (ys[i] as number) - base.yBarS - slope * ((ts[i] as number) - base.tBarS);
  const yBarS = base.yBarS + medianInPlace(slopes, n);
  return { ...base, slope, yBarS };
}

/** Residuals of every sample (kept or not) about a line. */
export function residualsS(line: WeightedLine, ts: Float64Array, ys: Float64Array): Float64Array {
  const out = new Float64Array(ts.length);
  for (let i = 0; i < ts.length; i++) out[i] = (ys[i] as number) - line.yBarS - line.slope * ((ts[i] as number) - line.tBarS);
  return out;
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
 * `keep[i]` is 1 for a sample the final line rests on, 0 for a rejected one.
 */
export function robustLine(
  ts: Float64Array,
  ys: Float64Array,
  sigmas: Float64Array,
  options: RobustLineOptions,
): { line: WeightedLine; keep: Uint8Array } {
  const n = ts.length;
  const ws = new Float64Array(n);
  for (let i = 0; i < n; i++) ws[i] = 1 / ((sigmas[i] as number) * (sigmas[i] as number));
  let keep: Uint8Array = new Uint8Array(n).fill(1);
  // Start from a line outliers cannot tilt: least squares would lean towards a cluster
  // of them at the end of the window (a step) and hide them in its own scatter.
  let line = n >= 3 ? theilSenLine(ts, ys, ws) : weightedLine(ts, ys, ws, keep);
  const maxRejected = Math.floor(n * options.maxRejectFraction);
  const z = new Float64Array(n);
  const excess = new Float64Array(n);
  const scratch = new Float64Array(n);
  for (let round = 0; round < options.maxIterations && n >= 3; round++) {
    let kept = 0;
    for (let i = 0; i < n; i++) {
      z[i] = ((ys[i] as number) - line.yBarS - line.slope * ((ts[i] as number) - line.tBarS)) / (sigmas[i] as number);
      if (keep[i] !== 0) scratch[kept++] = z[i] as number;
    }
    const centre = medianInPlace(scratch, kept);
    for (let k = 0; k < kept; k++) scratch[k] = Math.abs((scratch[k] as number) - centre);
    const scale = MAD_TO_SIGMA * medianInPlace(scratch, kept);
    // Only samples beyond their limit are candidates; an exact fit has zero scale, and a
    // 1 ns tolerance keeps rounding noise from counting as outliers.
    let candidates = 0;
    for (let i = 0; i < n; i++) {
      const limit = Math.max(options.rejectSigmas * scale, 1e-9 / (sigmas[i] as number));
      const e = Math.abs((z[i] as number) - centre) / limit;
      excess[i] = e;
      if (e > 1) scratch[candidates++] = e;
    }
    const next = rejectWorst(excess, candidates, maxRejected, scratch);
    if (round > 0 && sameMask(next, keep)) break;
    keep = next;
    line = weightedLine(ts, ys, ws, keep);
  }
  return { line, keep };
}

/**
 * The mask that rejects the `maxRejected` samples of largest excess among those above 1
 * (`candidates` of them, their excesses in scratch[0..candidates)); ties go to the older sample.
 */
function rejectWorst(excess: Float64Array, candidates: number, maxRejected: number, scratch: Float64Array): Uint8Array {
  const n = excess.length;
  const keep = new Uint8Array(n).fill(1);
  if (maxRejected <= 0 || candidates === 0) return keep;
  // Everything above 1 goes when the quota allows; else the worst down to the
  // quota's last excess, and of samples exactly at it, the oldest first.
  const threshold = candidates <= maxRejected ? 1 : kthSmallestInPlace(scratch, candidates, candidates - maxRejected);
  let rejected = 0;
  for (let i = 0; i < n; i++) {
    if ((excess[i] as number) > threshold && (excess[i] as number) > 1) {
      keep[i] = 0;
      rejected++;
    }
  }
  for (let i = 0; i < n && rejected < maxRejected; i++) {
    if (excess[i] === threshold && threshold > 1) {
      keep[i] = 0;
      rejected++;
    }
  }
  return keep;
}

function sameMask(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Wald–Wolfowitz runs test on the signs of residuals in time order: true when there
 * are too few sign changes for noise about a straight line (at about the 1% level), i.e.
 * the line no longer describes the window, as when the drift has changed. Chrony shrinks
 * its regression window on the same evidence. Only kept samples (keep[i] ≠ 0) count;
 * fewer than 8 of them above `epsilonS`: false.
 */
export function tooFewRuns(residuals: Float64Array, keep: Uint8Array, z = 2.33, epsilonS = 1e-9): boolean {
  let n = 0,
    pos = 0,
    runs = 0;
  let previous = false;
  for (let i = 0; i < residuals.length; i++) {
    const r = residuals[i] as number;
    // Rejected samples are not the line's evidence; residuals below a nanosecond are
    // rounding, not evidence of either sign.
    if (keep[i] === 0 || !(Math.abs(r) > epsilonS)) continue;
    const positive = r > 0;
    if (n === 0 || positive !== previous) runs++;
    previous = positive;
    n++;
    if (positive) pos++;
  }
  if (n < 8) return false;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return true;
  const mean = (2 * pos * neg) / n + 1;
  const variance = ((mean - 1) * (mean - 2)) / (n - 1);
  return runs < mean - z * Math.sqrt(variance);
}
