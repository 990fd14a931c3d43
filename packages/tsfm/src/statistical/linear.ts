import { Z95, requireHistory, type Forecast, type SyncForecaster } from '../forecaster';
import { TsfmError } from '../errors';
import { PPM, timeOrdered, type Measurement } from '../measurement';
import { median, sampleSigmasS } from './robust';
import { residualsS, robustLine, tooFewRuns, type RobustLineOptions, type WeightedLine } from './robust-line';

interface WindowFit {
  line: WeightedLine;
  /** 1 for a sample the line rests on, 0 for one rejected as an outlier. */
  keep: Uint8Array;
  residuals: Float64Array;
  sigmas: Float64Array;
}

function fitWindow(
  window: readonly Measurement[],
  offsetsS: Float64Array,
  originS: number,
  minSigmaS: number,
  options: RobustLineOptions,
  floorQuantile?: number,
): WindowFit {
  // Times relative to the newest sample: Unix-epoch seconds squared would lose precision.
  const n = window.length;
  const ts = new Float64Array(n);
  for (let i = 0; i < n; i++) ts[i] = (window[i] as Measurement).tS - originS;
  const sigmas = Float64Array.from(sampleSigmasS(window, minSigmaS, floorQuantile));
  const { line, keep } = robustLine(ts, offsetsS, sigmas, options);
  return { line, keep, residuals: residualsS(line, ts, offsetsS), sigmas };
}

/** How many of the newest samples were rejected, all on the same side of the line. */
function trailingRejectedRun(fit: WindowFit): number {
  let run = 0;
  for (let i = fit.keep.length - 1; i >= 0 && fit.keep[i] === 0; i--) {
    const r = fit.residuals[i] ?? 0;
    if (run > 0 && Math.sign(r) !== Math.sign(fit.residuals[i + 1] ?? 0)) break;
    run++;
  }
  return run;
}

function quantileOfAbs(values: Float64Array, level: number): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values, Math.abs).sort();
  const at = level * (s.length - 1);
  const lo = Math.floor(at);
  return (s[lo] ?? 0) + ((s[Math.min(lo + 1, s.length - 1)] ?? 0) - (s[lo] ?? 0)) * (at - lo);
}

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
  /** The runs test never shrinks the window below this many samples. Default 8. */
  minWindowSamples?: number;
  /** This many newest samples rejected on the same side mean the clock stepped. Default 4. */
  stepSamples?: number;
  /**
   * What is known of the drift before the window says anything, ppm: a drift of 0 with
   * this sigma. Default 500, the range of real oscillators. A window that spans little
   * time (one warm-up round: three servers 20 ms apart) cannot measure a drift, and its
   * least-squares slope would extrapolate noise; weighed against this prior, the slope
   * counts only as far as the window determines it.
   */
  priorDriftSigmaPpm?: number;
  /** Quantile of the window's excess delays that floors every sample's σ. Default 0.5. */
  sigmaFloorQuantile?: number;
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

/**
 * Fit offset = a + b·(t − t̄) to the recent window by weighted least squares, in the
 * manner of chrony: weights come from each sample's uncertainty or excess delay
 * ({@link sampleSigmasS}), outliers are rejected round by round against a robust
 * (MAD) scale of the standardized residuals, and standard errors come from the
 * residuals themselves, so a fit is only as sure as its data agree. The window is
 * bounded (`maxSamples`, `maxAgeS`), shrinks from its old end while a runs test says
 * the residuals are not noise about one line (the drift changed), and restarts at a
 * step when the newest `stepSamples` are all rejected on one side. Times are taken
 * relative to the newest sample, so Unix-epoch timestamps lose no precision.
 *
 * Degenerate windows never produce NaN: one sample or one instant gives drift 0 with
 * the prior drift sigma; with two samples or fewer the scatter is `fallbackNoiseS`, or the
 * largest delay over √12 when that is more.
 *
 * @throws TsfmError `TSFM_INSUFFICIENT_HISTORY` for an empty history.
 */
export function fitLinearDrift(history: readonly Measurement[], options: LinearFitOptions = {}): LinearDriftFit {
  requireHistory('linear', history);
  const sorted = timeOrdered(history);
  return fitLinearDriftOf(
    sorted,
    Float64Array.from(sorted, (m) => m.offsetS),
    options,
  );
}

/**
 * {@link fitLinearDrift} of a time-ordered, non-empty window whose offsets are
 * `offsetsS` in place of the measurements' own: for a model that fits what is left of
 * the offsets after its own terms, without copying every measurement to say so.
 */
export function fitLinearDriftOf(sorted: readonly Measurement[], offsetsS: Float64Array, options: LinearFitOptions = {}): LinearDriftFit {
  const maxSamples = options.maxSamples ?? 64;
  const rejectSigmas = options.rejectSigmas ?? 3.5;
  const maxRejectFraction = options.maxRejectFraction ?? 0.4;
  const minSigmaS = options.minSigmaS ?? 1e-6;
  const fallbackNoiseS = options.fallbackNoiseS ?? 1e-3;
  if (!(maxSamples >= 1) || !(rejectSigmas > 0) || !(maxRejectFraction >= 0 && maxRejectFraction < 1)) {
    throw new TsfmError('TSFM_BAD_OPTIONS', 'linear fit: maxSamples ≥ 1, rejectSigmas > 0 and 0 ≤ maxRejectFraction < 1 are required');
  }
  const newestS = sorted[sorted.length - 1]?.tS ?? 0;
  const minTimeS = newestS - (options.maxAgeS ?? Infinity);
  // The newest maxSamples no older than maxAgeS: a suffix of the ordered window.
  let start = Math.max(sorted.length - Math.trunc(maxSamples), 0);
  while (start < sorted.length - 1 && (sorted[start] as Measurement).tS < minTimeS) start++;
  let window = sorted.slice(start);
  let offsets = offsetsS.subarray(start);
  const robust = { rejectSigmas, maxRejectFraction, maxIterations: options.maxIterations ?? 5 };
  const minRunsSamples = options.minWindowSamples ?? 8;
  const stepSamples = options.stepSamples ?? 4;
  let fit = fitWindow(window, offsets, newestS, minSigmaS, robust, options.sigmaFloorQuantile);
  for (;;) {
    const n = window.length;
    // The newest samples all rejected on the same side: the clock stepped. The fit
    // restarts at the step rather than waiting for the new level to become the majority.
    const run = trailingRejectedRun(fit);
    let keepNewest = 0;
    if (run >= stepSamples && run < n) keepNewest = run;
    else if (n > minRunsSamples && tooFewRuns(fit.residuals, fit.keep)) {
      keepNewest = Math.max(minRunsSamples, Math.floor(n * 0.75));
    }
    if (keepNewest === 0) break;
    window = window.slice(-keepNewest);
    offsets = offsets.subarray(offsets.length - keepNewest);
    fit = fitWindow(window, offsets, newestS, minSigmaS, robust, options.sigmaFloorQuantile);
  }

  const { line, keep, residuals, sigmas } = fit;
  const n = window.length;
  let used = 0,
    chi2 = 0,
    sumSq = 0;
  residuals.forEach((r, i) => {
    if (keep[i] === 0) return;
    used++;
    chi2 += (r * r) / (sigmas[i] ?? 1) ** 2;
    sumSq += r * r;
  });
  const hasSlope = line.sTT > 0;
  const dof = used - (hasSlope ? 2 : 1);
  // Below one degree of freedom the residuals say nothing about the noise: assume it,
  // but never below what the samples' own round trips allow. With one or two samples
  // there is no minimum delay to measure excess from, so the whole delay bounds the
  // error (±delay/2, σ delay/√12): a first exchange that queued 25 ms can be 12 ms off.
  const knownSigmaS = window.every((m) => m.uncertaintyS !== undefined)
    ? median(sigmas)
    : Math.max(fallbackNoiseS, ...window.map((m) => (m.delayS ?? 0) / Math.sqrt(12)));
  // Noise-free data would claim zero error; no sample is trusted beyond minSigmaS.
  const phi2 = Math.max(
    dof > 0 ? chi2 / dof : knownSigmaS ** 2 * (line.sumW / Math.max(used, 1)),
    minSigmaS ** 2 * (line.sumW / Math.max(used, 1)),
  );
  // The scatter of the next measurement: the inliers' RMS, but never less than what
  // makes the nominal 95% interval cover 95% of this window's own residuals, rejected
  // ones included, because the next sample may be an outlier too.
  const p95S = quantileOfAbs(residuals, 0.95) / Z95;
  const residualSigmaS = dof > 0 ? Math.max(Math.sqrt(sumSq / dof), p95S, minSigmaS) : knownSigmaS;
  const offsetSigmaS = Math.max(Math.sqrt(phi2 / line.sumW), minSigmaS / Math.sqrt(used));
  const priorDriftSigma = (options.priorDriftSigmaPpm ?? 500) * PPM;
  // Precision-weighted with the prior (mean 0): the slope is uncorrelated with the
  // offset at the centroid, so the offset is unchanged.
  const slopePrecision = hasSlope ? line.sTT / phi2 : 0;
  const precision = (Number.isFinite(slopePrecision) ? slopePrecision : 0) + 1 / priorDriftSigma ** 2;
  const driftSPerS = hasSlope && Number.isFinite(slopePrecision) ? (line.slope * slopePrecision) / precision : 0;
  return {
    refTimeS: newestS + line.tBarS,
    offsetS: line.yBarS,
    offsetSigmaS,
    driftSPerS,
    driftSigmaSPerS: 1 / Math.sqrt(precision),
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
    historySamples: options.maxSamples ?? 64,
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
