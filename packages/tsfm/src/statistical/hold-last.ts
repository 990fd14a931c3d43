import { requireHistory, type Forecast, type SyncForecaster } from '../forecaster';
import { timeOrdered } from '../measurement';
import { madSigma, noiseFromDifferences } from './robust';

/** Options of the baseline forecasters. */
export interface BaselineOptions {
  /** Samples used to measure the scatter behind σ. Default 32. */
  noiseWindow?: number;
  /** σ assumed while fewer than three samples exist, seconds. Default 1e-3. */
  fallbackNoiseS?: number;
}

/**
 * `hold_last`: predict that the offset stays where the newest measurement put it.
 * Baseline every model must beat. σ is the scatter of successive differences, which is
 * exactly the error of this rule on a stationary series.
 */
export function createHoldLastForecaster(options: BaselineOptions = {}): SyncForecaster {
  return {
    name: 'hold_last',
    mode: 'sync',
    forecast(history, targetTimesS): Forecast {
      requireHistory('hold_last', history);
      const sorted = timeOrdered(history);
      const last = sorted[sorted.length - 1];
      const meanS = last?.offsetS ?? 0;
      // A difference of two samples has √2 the scatter of one; the rule's error is that difference.
      const sigmaS = noiseFromDifferences(sorted.slice(-(options.noiseWindow ?? 32)), options.fallbackNoiseS ?? 1e-3) * Math.SQRT2;
      return { model: 'hold_last', points: targetTimesS.map((tS) => ({ tS, meanS, sigmaS })), drift: null };
    },
  };
}

/**
 * `median5`: the median of the newest five offsets (fewer while warming up), robust to
 * a single outlier. σ is the robust scatter of the recent window.
 */
export function createMedianForecaster(options: BaselineOptions & { count?: number } = {}): SyncForecaster {
  const count = options.count ?? 5;
  return {
    name: 'median5',
    mode: 'sync',
    forecast(history, targetTimesS): Forecast {
      requireHistory('median5', history);
      const sorted = timeOrdered(history);
      const lastOffsets = sorted.slice(-count).map((m) => m.offsetS);
      const s = [...lastOffsets].sort((a, b) => a - b);
      const mid = s.length >> 1;
      const meanS = s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
      const recent = sorted.slice(-(options.noiseWindow ?? 32)).map((m) => m.offsetS);
      const scatterS = recent.length >= 3 ? madSigma(recent) : 0;
      // The next sample's own scatter plus the error of a median of `count` (π/2·σ²/count).
      const sigmaS = (scatterS > 0 ? scatterS : (options.fallbackNoiseS ?? 1e-3)) * Math.sqrt(1 + Math.PI / (2 * s.length));
      return { model: 'median5', points: targetTimesS.map((tS) => ({ tS, meanS, sigmaS })), drift: null };
    },
  };
}
