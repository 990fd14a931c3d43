import { designScratch, quadraticForm, weightedLeastSquaresRows, type LeastSquaresFit } from './least-squares';
import { MAD_TO_SIGMA, medianInPlace } from './robust';

/**
 * A cycle in the clock's offset that repeats: an air conditioner's compressor, a
 * machine room's fans, a nightly job, each warms the crystal on its own period and the
 * offset swings with it. Where the host reads no temperature, a forecaster can still
 * see the swing itself and carry it through the next minutes.
 */
export interface PeriodicPart {
  periodS: number;
  /** Amplitude of the swing, seconds. */
  amplitudeS: number;
  /** The cycle's contribution to each sample's offset, seconds, relative to the newest sample. */
  pastS: number[];
  /** Its contribution dtS after the newest sample, relative to it, and the variance of that. */
  at: (dtS: number) => { meanS: number; varS2: number };
  rateSPerS: number;
  rateSigmaSPerS: number;
}

/** Fewer rounds than this cannot show a cycle beside a line. */
const MIN_ROUNDS = 24;
/** The shortest period looked for, in median gaps between rounds: a swing must be sampled well. */
const MIN_PERIOD_GAPS = 10;
/**
 * ...and never below this, seconds: faster than that, the path's noise is the swing.
 * It was 240 s; at 10 s polls that hid a two-minute cycle ten polls resolve (the bench's
 * live reference: its fit alone p95 338 µs in the simulator, the model 120 µs once it
 * has an hour), and no simulated scenario found a false cycle at 100 s (poll_10s,
 * local_server, hvac_cycle_outage, temperature_wander at 16 s: identical p95).
 */
const MIN_PERIOD_S = 100;
/** The older part a candidate is fitted on must hold at least this many of its cycles. */
const MIN_CYCLES_SEEN = 1.25;
/** The newest share of the window held out to test a candidate's forecast. */
const HOLDOUT_SHARE = 0.25;
/** A cycle is kept only if it predicts the held-out samples this much better than the line (mean squared error). */
const REQUIRED_GAIN = 0.5;
/** Residuals beyond this many robust σ are left out of every fit. */
const REJECT_SIGMAS = 4;

/**
 * Looks for one sinusoid in the offsets beside a line, and keeps it only when it earns
 * its place: fitted on the older three quarters of the window it must forecast the
 * newest quarter with at most half the squared error of a line alone (the better of a
 * line over those three quarters and one over their newest half). A random walk
 * or a slow turn, which a sinusoid also fits in hindsight, fails that test, so the part
 * is absent (null) unless the clock really repeats.
 *
 * `timesS` are times relative to the newest sample (≤ 0), `offsetsS` the offsets,
 * `weights` the samples' weights (1/σ²). The search is a Lomb–Scargle scan of the line's residuals
 * over periods from MIN_PERIOD_S (or ten gaps) to what the older part holds 1.25 times;
 * the best candidate is refitted with the line by weighted least squares on the whole
 * window for the forecast.
 */
export function periodicPart(timesS: ArrayLike<number>, offsetsS: ArrayLike<number>, weights: ArrayLike<number>): PeriodicPart | null {
  const n = timesS.length;
  if (n < MIN_ROUNDS) return null;
  // One typed copy of each column; every step below reads views of these and writes
  // into one scratch column, so a search allocates a handful of arrays, not dozens.
  const ts = Float64Array.from(timesS);
  const ys = Float64Array.from(offsetsS);
  const w = Float64Array.from(weights);
  const scratch = new Float64Array(n);
  const spanS = (ts[n - 1] as number) - (ts[0] as number);
  const gapS = medianGapS(ts, scratch);
  if (!(spanS > 0) || gapS === null) return null;
  const split = ts.findIndex((t) => t >= (ts[n - 1] as number) - HOLDOUT_SHARE * spanS);
  if (split < MIN_ROUNDS) return null;
  const olderSpanS = (ts[split - 1] as number) - (ts[0] as number);
  const minPeriodS = Math.max(MIN_PERIOD_S, MIN_PERIOD_GAPS * gapS);
  const maxPeriodS = olderSpanS / MIN_CYCLES_SEEN;
  if (!(maxPeriodS > minPeriodS)) return null;

  const kept = keptWeights(ts, ys, w, scratch);
  const older = { ts: ts.subarray(0, split), ys: ys.subarray(0, split), w: kept.subarray(0, split) };
  const periodS = bestPeriodS(older.ts, older.ys, older.w, minPeriodS, maxPeriodS, olderSpanS, scratch);
  if (periodS === null) return null;
  // The test: forecast the held-out newest quarter from the older samples alone.
  const errCycle = heldOutError(ts, ys, kept, split, fitModel(periodS, spanS, older.ts, older.ys, older.w));
  // Against the better of two lines: over the older part, and over its newest half,
  // which follows a frequency that moved (a random walk's bend fits a sinusoid too).
  const half = Math.floor(split / 2);
  const errLine = Math.min(
    heldOutError(ts, ys, kept, split, fitModel(0, spanS, older.ts, older.ys, older.w)),
    heldOutError(ts, ys, kept, split, fitModel(0, spanS, older.ts.subarray(half), older.ys.subarray(half), older.w.subarray(half))),
  );
  if (!(errCycle < REQUIRED_GAIN * errLine)) return null;
  return fitWhole(ts, ys, kept, periodS, spanS, scratch);
}

/** The line and the cycle over the whole window: the part the forecast carries. */
function fitWhole(
  ts: Float64Array,
  ys: Float64Array,
  w: Float64Array,
  periodS: number,
  spanS: number,
  scratch: Float64Array,
): PeriodicPart {
  const fit = fitModel(periodS, spanS, ts, ys, w);
  const residuals = residualsInto(fit, ts, ys, scratch);
  let used = 0;
  let sumWR2 = 0;
  for (let i = 0; i < ts.length; i++) {
    const wi = w[i] as number;
    if (wi > 0) used++;
    const r = residuals[i] as number;
    sumWR2 = sumWR2 + wi * r * r;
  }
  const phi2 = sumWR2 / Math.max(used - 4, 1);
  const a = fit.coef[2] ?? 0;
  const b = fit.coef[3] ?? 0;
  const omega = (2 * Math.PI) / periodS;
  const cycle = (t: number): number => a * Math.sin(omega * t) + b * Math.cos(omega * t);
  const cov = [
    [fit.cov[2]?.[2] ?? 0, fit.cov[2]?.[3] ?? 0],
    [fit.cov[3]?.[2] ?? 0, fit.cov[3]?.[3] ?? 0],
  ];
  const now = cycle(0);
  const rate = [omega, 0];
  return {
    periodS,
    amplitudeS: Math.hypot(a, b),
    pastS: Array.from(ts, (t) => cycle(t) - now),
    at: (dtS) => {
      const inc = [Math.sin(omega * dtS), Math.cos(omega * dtS) - 1];
      return { meanS: cycle(dtS) - now, varS2: Math.max(quadraticForm(cov, inc) * phi2, 0) };
    },
    rateSPerS: omega * a,
    rateSigmaSPerS: Math.sqrt(Math.max(quadraticForm(cov, rate) * phi2, 0)),
  };
}

/**
 * The fitted model's columns at time t: 1, t/span, and with a period (≠ 0) its sine and
 * cosine, written into a caller's row. A plain function rather than a closure per model:
 * a time passed to a call V8 does not inline is a boxed number, one per sample per fit,
 * and those were much of what a refit allocated.
 */
function fillRow(periodS: number, spanS: number, t: number, row: Float64Array): void {
  row[0] = 1;
  row[1] = t / spanS;
  if (periodS === 0) return;
  const phase = (2 * Math.PI * t) / periodS;
  row[2] = Math.sin(phase);
  row[3] = Math.cos(phase);
}

/** One sample's columns, scratch for the functions below (never re-entered). */
const valueRow = new Float64Array(4);

/** A line (period 0) or a line and a cycle, fitted: its columns' coefficients. */
interface ModelFit {
  periodS: number;
  spanS: number;
  coef: readonly number[];
}

function fitModel(periodS: number, spanS: number, ts: Float64Array, ys: Float64Array, w: Float64Array): ModelFit & LeastSquaresFit {
  const n = ts.length;
  const p = periodS === 0 ? 2 : 4;
  const x = designScratch(n, p);
  for (let i = 0; i < n; i++) {
    fillRow(periodS, spanS, ts[i] as number, valueRow);
    for (let j = 0; j < p; j++) x[i * p + j] = valueRow[j] as number;
  }
  const fit = weightedLeastSquaresRows(x, n, p, ys, w);
  return { periodS, spanS, coef: fit.coef, cov: fit.cov };
}

/** The fitted model at t: its columns there dotted with the coefficients. */
function valueAt(model: ModelFit, t: number): number {
  fillRow(model.periodS, model.spanS, t, valueRow);
  const count = model.periodS === 0 ? 2 : 4;
  let s = 0;
  for (let j = 0; j < count; j++) s += (valueRow[j] as number) * (model.coef[j] ?? 0);
  return s;
}

/** ys less the model at each t, written into `out` (as long as ts at least); returns the view of it they fill. */
function residualsInto(model: ModelFit, ts: Float64Array, ys: Float64Array, out: Float64Array): Float64Array {
  for (let i = 0; i < ts.length; i++) out[i] = (ys[i] as number) - valueAt(model, ts[i] as number);
  return out.subarray(0, ts.length);
}

/** Weighted mean squared error of a model's forecast over samples split..n−1. */
function heldOutError(ts: Float64Array, ys: Float64Array, w: Float64Array, split: number, model: ModelFit): number {
  let sum = 0;
  let sumW = 0;
  for (let i = split; i < ts.length; i++) {
    const wi = w[i] as number;
    sum += wi * ((ys[i] as number) - valueAt(model, ts[i] as number)) ** 2;
    sumW += wi;
  }
  return sumW > 0 ? sum / sumW : Infinity;
}

/** The weights with spikes (far off a line through the window) set to 0. */
function keptWeights(ts: Float64Array, ys: Float64Array, w: Float64Array, scratch: Float64Array): Float64Array {
  const n = ts.length;
  const spanS = Math.max((ts[n - 1] as number) - (ts[0] as number), 1);
  const residuals = Float64Array.from(residualsInto(fitModel(0, spanS, ts, ys, w), ts, ys, scratch));
  // The median residual, then the robust σ of the residuals about it (as madSigma).
  const centre = medianInPlace(scratch, n);
  for (let i = 0; i < n; i++) scratch[i] = Math.abs((residuals[i] as number) - centre);
  const limit = REJECT_SIGMAS * (MAD_TO_SIGMA * medianInPlace(scratch, n));
  const kept = new Float64Array(n);
  for (let i = 0; i < n; i++) kept[i] = limit > 0 && Math.abs((residuals[i] as number) - centre) > limit ? 0 : (w[i] as number);
  return kept;
}

/** Median time between successive samples more than a second apart (one per round). */
function medianGapS(ts: Float64Array, scratch: Float64Array): number | null {
  let count = 0;
  for (let i = 1; i < ts.length; i++) {
    const g = (ts[i] as number) - (ts[i - 1] as number);
    if (g > 1) scratch[count++] = g;
  }
  return count === 0 ? null : medianInPlace(scratch, count);
}

/**
 * The period whose sinusoid takes the most weighted variance out of the line's
 * residuals (a weighted Lomb–Scargle periodogram): scanned in frequency at a quarter
 * of a cycle over the span, then refined about the best on a grid 32 times finer and
 * by a parabola through the top three points there, since a period a few per cent off
 * turns the phase by the window's end. Null when the residuals are flat.
 */
function bestPeriodS(
  ts: Float64Array,
  ys: Float64Array,
  w: Float64Array,
  minPeriodS: number,
  maxPeriodS: number,
  spanS: number,
  scratch: Float64Array,
): number | null {
  const r = residualsInto(fitModel(0, spanS, ts, ys, w), ts, ys, scratch);
  const stepHz = 1 / (4 * spanS);
  const coarse = scanPowers(ts, r, w, 1 / maxPeriodS, stepHz, Math.floor((1 / minPeriodS - 1 / maxPeriodS) / stepHz) + 1);
  const k = argMax(coarse);
  if (!((coarse[k] ?? 0) > 0)) return null;
  const fineHz = stepHz / FINE_STEPS;
  const startHz = Math.max(1 / maxPeriodS + (k - 1) * stepHz, 1 / (2 * maxPeriodS));
  const fine = scanPowers(ts, r, w, startHz, fineHz, 2 * FINE_STEPS + 1);
  const j = Math.min(Math.max(argMax(fine), 1), fine.length - 2);
  const [a, b, c] = [fine[j - 1] ?? 0, fine[j] ?? 0, fine[j + 1] ?? 0];
  const curvature = a - 2 * b + c;
  // The vertex of the parabola through the three, within half a fine step of the best.
  const shift = curvature < 0 ? Math.min(Math.max((0.5 * (a - c)) / curvature, -0.5), 0.5) : 0;
  return 1 / (startHz + (j + shift) * fineHz);
}

/** Points per coarse step in the refining scan: the period to well under a degree of phase over the window. */
const FINE_STEPS = 32;

function argMax(values: Float64Array): number {
  let k = 0;
  for (let j = 1; j < values.length; j++) if ((values[j] ?? 0) > (values[k] ?? 0)) k = j;
  return k;
}

/**
 * The weighted variance a sinusoid explains in r (its 2×2 normal equations) at `count`
 * frequencies from `f0` in steps of `df`. The scan is most of the model's time, so it
 * runs on typed arrays of the samples that carry weight, and carries each sample's sine
 * and cosine from one frequency to the next by a rotation instead of computing them afresh.
 */
function scanPowers(ts: Float64Array, r: Float64Array, w: Float64Array, f0: number, df: number, count: number): Float64Array {
  const { s, c, rs, rc, wt, wr } = scanScratchFor(ts.length);
  let n = 0;
  for (let i = 0; i < ts.length; i++) {
    const wi = w[i] as number;
    if (wi === 0) continue;
    const t = ts[i] as number;
    s[n] = Math.sin(2 * Math.PI * f0 * t);
    c[n] = Math.cos(2 * Math.PI * f0 * t);
    rs[n] = Math.sin(2 * Math.PI * df * t);
    rc[n] = Math.cos(2 * Math.PI * df * t);
    wt[n] = wi;
    wr[n] = wi * (r[i] as number);
    n++;
  }
  const out = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    let ss = 0;
    let cc = 0;
    let sc = 0;
    let sr = 0;
    let cr = 0;
    for (let k = 0; k < n; k++) {
      const wk = wt[k] as number;
      const sk = s[k] as number;
      const ck = c[k] as number;
      ss += wk * sk * sk;
      cc += wk * ck * ck;
      sc += wk * sk * ck;
      sr += sk * (wr[k] as number);
      cr += ck * (wr[k] as number);
      // Advance to the next frequency: angle + 2π·df·t.
      s[k] = sk * (rc[k] as number) + ck * (rs[k] as number);
      c[k] = ck * (rc[k] as number) - sk * (rs[k] as number);
    }
    out[j] = explained(ss, cc, sc, sr, cr);
  }
  return out;
}

/** Per-sample columns of the scan, grown to the longest window seen (single-threaded, never re-entered). */
let scanScratch = {
  n: 0,
  s: new Float64Array(0),
  c: new Float64Array(0),
  rs: new Float64Array(0),
  rc: new Float64Array(0),
  wt: new Float64Array(0),
  wr: new Float64Array(0),
};

function scanScratchFor(n: number): typeof scanScratch {
  if (scanScratch.n < n) {
    const column = (): Float64Array<ArrayBuffer> => new Float64Array(n);
    scanScratch = { n, s: column(), c: column(), rs: column(), rc: column(), wt: column(), wr: column() };
  }
  return scanScratch;
}

/** Weighted variance a sinusoid explains, from its 2×2 normal equations: bᵀA⁻¹b. */
function explained(ss: number, cc: number, sc: number, sr: number, cr: number): number {
  const det = ss * cc - sc * sc;
  return det > 0 ? (cc * sr * sr - 2 * sc * sr * cr + ss * cr * cr) / det : 0;
}
