import { resolve } from 'path';
import { Z95, type Measurement, type SyncForecaster } from '../src';

/** Scores of one forecaster predicting each measurement from those strictly before it. */
export interface WalkForwardScore {
  points: number;
  maeS: number;
  rmseS: number;
  maxErrorS: number;
  coverage95: number;
}

/**
 * Replay a series as the evaluation does: the first `warmup` measurements are not
 * scored; each later one is predicted from all before it and compared with its true
 * offset when known, else its measured offset.
 */
export function walkForward(forecaster: SyncForecaster, series: readonly Measurement[], warmup = 8): WalkForwardScore {
  let n = 0,
    sumAbs = 0,
    sumSq = 0,
    maxAbs = 0,
    covered = 0;
  for (let i = warmup; i < series.length; i++) {
    const m = series[i];
    if (m === undefined) continue;
    const point = forecaster.forecast(series.slice(0, i), [m.tS]).points[0];
    if (point === undefined) throw new Error('no forecast point');
    const err = Math.abs(point.meanS - (m.trueOffsetS ?? m.offsetS));
    n++;
    sumAbs += err;
    sumSq += err * err;
    maxAbs = Math.max(maxAbs, err);
    if (err <= Z95 * point.sigmaS) covered++;
  }
  return { points: n, maeS: sumAbs / n, rmseS: Math.sqrt(sumSq / n), maxErrorS: maxAbs, coverage95: covered / n };
}

/** The recorded series shipped in the repository (data/recorded; see data/README.md). */
export const RECORDED_DIR = resolve(__dirname, '../../../data/recorded');
