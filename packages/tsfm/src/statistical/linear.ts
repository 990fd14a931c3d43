import { requireHistory, type Forecast, type SyncForecaster } from '../forecaster';
import { TsfmError } from '../errors';
import { PPM, timeOrdered, type Measurement } from '../measurement';
import { madSigma, median, sampleSigmasS } from './robust';

/** Options of {@link fitLinearDrift}; every field has a default. */
export interface LinearFitOptions {
  /** Use at most this many of the most recent samples. Default 64. */
  maxSamples?: number;
  /** Ignore samples older than this, measured back from the newest one, seconds. Default: no limit. */
  maxAgeS?: number;
  /** Reject a sample whose standardized residual is more than this many robust sigmas out. Default 3.5. */
  rejectSigmas?: number;
  /** Never reject more than this fraction of the window. Default 0.4. */
  maxRejectFraction?: number;
  /** Rounds of fit-and-reject. Default 5. */
  maxIterations?: number;
  /** Smallest per-sample sigma, seconds, so no sample gets unbounded weight. Default 1e-6. */
  minSigmaS?: number;
  /** Measurement scatter assumed when too few samples remain to measure it, seconds. Default 1e-3. */
  fallbackNoiseS?: number;
  /** Drift sigma when the window cannot determine a drift (one instant), ppm. Default 50 (ClockBound's max drift). */
  priorDriftSigmaPpm?: number;
}

/** A weighted linear fit of offset against time, every figure with its uncertainty. */
export interface LinearDriftFit {
  /**
   * Reference instant of `offsetS`, host clock, Unix seconds: the weighted centroid of
   * the samples used. There the offset and drift errors are uncorrelated, which makes
   * {@link predictLinearDrift}'s error formula exact.
   */
  refTimeS: number;
  /** Fitted offset at `refTimeS`, seconds. */
  offsetS: number;
  /** One sigma of `offsetS`, seconds. */
  offsetSigmaS: number;
  /** Fitted drift d(offset)/dt, s/s; 0 when the window spans no time. */
  driftSPerS: number;
  /** One sigma of the drift, s/s. */
  driftSigmaSPerS: number;
  /** Scatter of a single accepted measurement about the line, seconds. */
  residualSigmaS: number;
  /** Samples the fit rests on. */
  used: number;
  /** Samples of the window rejected as outliers. */
  rejected: number;
  /** Time of the newest sample in the window, so callers can age the fit. */
  lastSampleTimeS: number;
}

interface Line {
  tBarS: number;
  yBarS: number;
  slope: number;
  sumW: number;
  sTT: number;
}

function weightedLine(ts: number[], ys: number[], ws: number[], keep: boolean[]): Line {
  let sumW = 0, sumT = 0, sumY = 0;
  ts.forEach((t, i) => {
    const w = ws[i] ?? 0;
    if (!keep[i]) return;
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
  const slope = sTT > 0 ? sTY / sTT : 0;
  return { tBarS, yBarS, slope, sumW, sTT };
}

/**
 * Fit offset = a + b·(t − t̄) to the recent window by weighted least squares, in the
 * manner of chrony: weights come from each sample's uncertainty or excess delay
 * ({@link sampleSigmasS}), outliers are rejected round by round against a robust
 * (MAD) scale of the standardized residuals, and standard errors come from the
 * residuals themselves, so a fit is only as sure as its data agree. Times are centred
 * before fitting, so Unix-epoch timestamps lose no precision.
 *
 * Degenerate windows never produce NaN: one sample or one instant gives drift 0 with
 * the prior drift sigma; with two samples or fewer the scatter is `fallbackNoiseS`.
 *
 * @throws TsfmError `TSFM_INSUFFICIENT_HISTORY` for an empty history.
 */
export function fitLinearDrift(history: readonly Measurement[], options: LinearFitOptions = {}): LinearDriftFit {
  requireHistory('linear', history);
  const maxSamples = options.maxSamples ?? 64;
  const rejectSigmas = options.rejectSigmas ?? 3.5;
  const maxRejectFraction = options.maxRejectFraction ?? 0.4;
  const minSigmaS = options.minSigmaS ?? 1e-6;
  const fallbackNoiseS = options.fallbackNoiseS ?? 1e-3;
  if (!(maxSamples >= 1) || !(rejectSigmas > 0) || !(maxRejectFraction >= 0 && maxRejectFraction < 1)) {
    throw new TsfmError('TSFM_BAD_OPTIONS', 'linear fit: maxSamples ≥ 1, rejectSigmas > 0 and 0 ≤ maxRejectFraction < 1 are required');
  }
  const sorted = timeOrdered(history);
  const newestS = sorted[sorted.length - 1]?.tS ?? 0;
  const minTimeS = newestS - (options.maxAgeS ?? Infinity);
  const window = sorted.slice(-maxSamples).filter((m) => m.tS >= minTimeS);
  const n = window.length;
  const ts = window.map((m) => m.tS - newestS);
  const ys = window.map((m) => m.offsetS);
  const sigmas = sampleSigmasS(window, minSigmaS);
  const ws = sigmas.map((s) => 1 / (s * s));
  let keep = window.map(() => true);
  let line = weightedLine(ts, ys, ws, keep);

  const maxRejected = Math.floor(n * maxRejectFraction);
  for (let round = 0; round < (options.maxIterations ?? 5) && n >= 3; round++) {
    const z = ts.map((t, i) => ((ys[i] ?? 0) - line.yBarS - line.slope * (t - line.tBarS)) / (sigmas[i] ?? 1));
    const zKept = z.filter((_, i) => keep[i]);
    const centre = median(zKept);
    const scale = madSigma(zKept);
    // An exact fit has zero scale; a 1 ns tolerance keeps rounding noise from counting as outliers.
    const limits = sigmas.map((s) => Math.max(rejectSigmas * scale, 1e-9 / s));
    const order = z.map((v, i) => ({ i, excess: Math.abs(v - centre) / (limits[i] ?? 1) })).sort((a, b) => b.excess - a.excess);
    const next = window.map(() => true);
    order.slice(0, maxRejected).forEach(({ i, excess }) => { if (excess > 1) next[i] = false; });
    if (next.every((k, i) => k === keep[i])) break;
    keep = next;
    line = weightedLine(ts, ys, ws, keep);
  }

  let used = 0, chi2 = 0, sumSq = 0;
  ts.forEach((t, i) => {
    if (!keep[i]) return;
    const r = (ys[i] ?? 0) - line.yBarS - line.slope * (t - line.tBarS);
    used++; chi2 += (ws[i] ?? 0) * r * r; sumSq += r * r;
  });
  const hasSlope = line.sTT > 0;
  const dof = used - (hasSlope ? 2 : 1);
  // Below one degree of freedom the residuals say nothing about the noise: assume it.
  const knownSigmaS = window.every((m) => m.uncertaintyS !== undefined) ? median(sigmas) : fallbackNoiseS;
  const phi2 = dof > 0 ? chi2 / dof : knownSigmaS ** 2 * (line.sumW / Math.max(used, 1));
  const residualSigmaS = dof > 0 ? Math.max(Math.sqrt(sumSq / dof), minSigmaS) : knownSigmaS;
  const offsetSigmaS = Math.max(Math.sqrt(phi2 / line.sumW), minSigmaS / Math.sqrt(used));
  const priorDriftSigma = (options.priorDriftSigmaPpm ?? 50) * PPM;
  const driftSigmaSPerS = hasSlope ? Math.sqrt(phi2 / line.sTT) : priorDriftSigma;
  return {
    refTimeS: newestS + line.tBarS,
    offsetS: line.yBarS,
    offsetSigmaS,
    driftSPerS: line.slope,
    driftSigmaSPerS: Number.isFinite(driftSigmaSPerS) ? driftSigmaSPerS : priorDriftSigma,
    residualSigmaS,
    used,
    rejected: n - used,
    lastSampleTimeS: newestS,
  };
}

/** Options of {@link predictLinearDrift}. */
export interface LinearPredictOptions {
  /**
   * Add the scatter of a single measurement to σ (default true): right when the
   * prediction is compared with the next measurement, as the replay harness does;
   * leave it out for the error of the offset itself.
   */
  includeMeasurementNoise?: boolean;
}

/**
 * Extrapolate a fit to `tS`: mean = offset + drift·Δt and
 * σ = √(σ_offset² + (σ_drift·Δt)² + σ_residual²), Δt measured from the fit's reference time.
 */
export function predictLinearDrift(fit: LinearDriftFit, tS: number, options: LinearPredictOptions = {}): { meanS: number; sigmaS: number } {
  const dtS = tS - fit.refTimeS;
  const noise = options.includeMeasurementNoise === false ? 0 : fit.residualSigmaS;
  return {
    meanS: fit.offsetS + fit.driftSPerS * dtS,
    sigmaS: Math.sqrt(fit.offsetSigmaS ** 2 + (fit.driftSigmaSPerS * dtS) ** 2 + noise ** 2),
  };
}

/** The linear drift fit as a registry forecaster (`linear`). */
export function createLinearForecaster(options: LinearFitOptions = {}): SyncForecaster {
  return {
    name: 'linear',
    mode: 'sync',
    forecast(history, targetTimesS): Forecast {
      const fit = fitLinearDrift(history, options);
      return {
        model: 'linear',
        points: targetTimesS.map((tS) => ({ tS, ...predictLinearDrift(fit, tS) })),
        drift: { rateSPerS: fit.driftSPerS, sigmaSPerS: fit.driftSigmaSPerS },
      };
    },
  };
}
