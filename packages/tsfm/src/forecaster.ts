import { TsfmError } from './errors';
import type { Measurement } from './measurement';

/** One quantile of a forecast distribution: P(offset ≤ valueS) = level. */
export interface Quantile {
  /** Probability level in (0, 1), e.g. 0.1, 0.5, 0.9. */
  level: number;
  valueS: number;
}

/** The forecast for one requested instant. */
export interface ForecastPoint {
  /** The requested instant, host clock, Unix seconds. */
  tS: number;
  /** Expected offset (reference − host) at `tS`, seconds. */
  meanS: number;
  /**
   * One standard deviation of the offset a measurement at `tS` would show, seconds.
   * It includes the measurement scatter, so it can be checked against the
   * measurements that follow; it is always finite and positive.
   */
  sigmaS: number;
  /** Quantiles when the model produces them (ONNX quantile heads); sorted by level. */
  quantiles?: Quantile[];
}

/** The drift rate a forecast implies: d(offset)/dt, seconds per second. */
export interface DriftEstimate {
  /** Rate of change of the offset, s/s (1e-6 = 1 ppm). */
  rateSPerS: number;
  /** One standard deviation of the rate, s/s. */
  sigmaSPerS: number;
}

/** What a forecaster returns: one point per requested time, in the requested order. */
export interface Forecast {
  /** The forecaster's registry name. */
  model: string;
  points: ForecastPoint[];
  /** The drift rate behind the forecast; null when the model has no such notion (hold-last). */
  drift: DriftEstimate | null;
}

/**
 * What the host read at host instant `tS` beside the measurements: covariates (a
 * temperature) keep coming while the servers are silent, and a model that reads them
 * can follow the clock through a holdover.
 */
export interface CovariateReading {
  tS: number;
  covariates: Readonly<Record<string, number>>;
}

/**
 * A forecaster that answers synchronously. The statistical models are of this kind, so
 * the daemon and the replay harness can call them in a tight loop without awaiting.
 *
 * Contract: `history` holds measurements only (never earlier forecasts: predictions are
 * not evidence), all taken strictly before the instants asked for; it need not be
 * sorted. Throws {@link TsfmError} `TSFM_INSUFFICIENT_HISTORY` when it is empty.
 * `readings`, when given, are what the host read after the newest measurement, oldest
 * first, up to now; a model may ignore them.
 */
export interface SyncForecaster {
  readonly name: string;
  readonly mode: 'sync';
  /** Newest measurements the forecaster reads at most (a time-ordered history); absent: unstated. */
  readonly historySamples?: number;
  forecast(history: readonly Measurement[], targetTimesS: readonly number[], readings?: readonly CovariateReading[]): Forecast;
}

/**
 * A forecaster whose answer arrives later: ONNX models run by onnxruntime-node, whose
 * `run` is asynchronous. Same contract as {@link SyncForecaster}.
 */
export interface AsyncForecaster {
  readonly name: string;
  readonly mode: 'async';
  forecast(history: readonly Measurement[], targetTimesS: readonly number[], readings?: readonly CovariateReading[]): Promise<Forecast>;
}

/**
 * Either kind. The `mode` discriminant (rather than one always-async method) keeps the
 * statistical path free of promise overhead; {@link runForecast} treats both alike.
 */
export type Forecaster = SyncForecaster | AsyncForecaster;

/** Run any forecaster and await its answer. */
export async function runForecast(
  forecaster: Forecaster,
  history: readonly Measurement[],
  targetTimesS: readonly number[],
  readings?: readonly CovariateReading[],
): Promise<Forecast> {
  return forecaster.forecast(history, targetTimesS, readings);
}

/** Throw the typed error forecasters share when they are given nothing to learn from. */
export function requireHistory(model: string, history: readonly Measurement[], minCount = 1): void {
  if (history.length < minCount) {
    throw new TsfmError(
      'TSFM_INSUFFICIENT_HISTORY',
      `${model} needs at least ${minCount} measurement(s), got ${history.length}`,
      'wait for the sampler to deliver measurements before forecasting',
    );
  }
}

/** z-score of the two-sided 95% interval of a normal distribution. */
export const Z95 = 1.959963984540054;

/**
 * Gaussian quantiles of a point forecast, for callers that want quantiles from a model
 * that only has a mean and σ.
 */
export function gaussianQuantiles(meanS: number, sigmaS: number, levels: readonly number[]): Quantile[] {
  return levels.map((level) => ({ level, valueS: meanS + sigmaS * normalQuantile(level) }));
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error
 * below 1.2e-9), enough for interval widths.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new TsfmError('TSFM_BAD_OPTIONS', `quantile level ${p} is not in (0, 1)`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}
