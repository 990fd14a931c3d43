import { TsfmError } from '../errors';
import { normalQuantile, type ForecastPoint, type Quantile } from '../forecaster';
import type { ModelCard } from './card';
import type { PreparedContext } from './prepare';

/** One batch row of the output: values[j][q] for horizon column j and quantile q, model units. */
export type QuantileGrid = Float64Array[];

/** Pull batch row `row` out of the output tensor into [horizon][quantile] order. */
export function outputRow(data: ArrayLike<number>, card: ModelCard, row: number): QuantileGrid {
  const h = card.horizon;
  const q = card.quantile_levels.length;
  const layout = card.outputs[0]?.layout ?? 'batch_quantile_horizon';
  const base = row * h * q;
  const grid: QuantileGrid = [];
  for (let j = 0; j < h; j++) {
    const col = new Float64Array(q);
    for (let k = 0; k < q; k++) {
      const at = layout === 'batch_horizon_quantile' ? base + j * q + k : base + k * h + j;
      const v = data[at] as number;
      if (!Number.isFinite(v)) {
        throw new TsfmError(
          'TSFM_INFERENCE_FAILED',
          `model ${card.name} produced a non-finite value (row ${row}, step ${j})`,
          'the model misbehaves on this input; use a statistical model or fallback',
        );
      }
      col[k] = v;
    }
    // Quantile crossing would make σ negative; sorting is the standard repair.
    col.sort();
    grid.push(col);
  }
  return grid;
}

/** z-scores of the outermost pair of levels, used to turn a quantile spread into σ. */
function spreadZ(levels: readonly number[]): { lo: number; hi: number; dz: number } | null {
  if (levels.length < 2) return null;
  const lo = 0;
  const hi = levels.length - 1;
  const dz = normalQuantile(levels[hi] as number) - normalQuantile(levels[lo] as number);
  return dz > 0 ? { lo, hi, dz } : null;
}

/**
 * Turn a model's output into forecast points at arbitrary instants. Horizon column j
 * is at u = first_step + j grid steps after the newest measurement; between columns
 * the quantiles are interpolated linearly, before the first column they are held
 * (the trend carries the motion), beyond the last they are held and σ grows as √(u/u_last).
 * Mean: the 0.5 quantile when there is one, else the mean of the quantiles. σ: the
 * outermost quantile pair's spread over its normal z-distance, after every quantile's
 * distance from the mean is multiplied by the card's `scaling.spread_scale` (the
 * calibration fitted at training); a point forecast
 * (one level) gets the context's own residual scatter.
 */
export function decodeForecast(
  grid: QuantileGrid,
  card: ModelCard,
  prep: PreparedContext,
  targetTimesS: readonly number[],
): ForecastPoint[] {
  const levels = card.quantile_levels;
  const medianAt = levels.indexOf(0.5);
  const z = spreadZ(levels);
  const first = card.first_step;
  const lastCol = grid.length - 1;
  const spread = card.scaling.spread_scale ?? 1;
  return targetTimesS.map((tS) => {
    const u = (tS - prep.endTimeS) / card.step_s;
    const pos = Math.min(Math.max(u - first, 0), lastCol);
    const j0 = Math.floor(pos);
    const j1 = Math.min(j0 + 1, lastCol);
    const w = pos - j0;
    const a = grid[j0] as Float64Array;
    const b = grid[j1] as Float64Array;
    const trendS = prep.interceptS + prep.slopeSPerStep * u;
    const raw = levels.map((_, k) => trendS + prep.scaleS * ((a[k] as number) * (1 - w) + (b[k] as number) * w));
    const meanS = medianAt >= 0 ? (raw[medianAt] as number) : raw.reduce((s, v) => s + v, 0) / raw.length;
    const values = raw.map((v) => meanS + spread * (v - meanS));
    let sigmaS = z === null ? prep.scatterS : ((values[z.hi] as number) - (values[z.lo] as number)) / z.dz;
    const uLast = first + lastCol;
    if (u > uLast && uLast > 0) sigmaS *= Math.sqrt(u / uLast);
    // σ must stay finite and positive (the forecast contract); a collapsed spread is not certainty.
    sigmaS = Math.max(sigmaS, card.scaling.min_scale_s ?? 1e-6);
    const point: ForecastPoint = { tS, meanS, sigmaS };
    if (levels.length > 1) point.quantiles = levels.map((level, k): Quantile => ({ level, valueS: values[k] as number }));
    return point;
  });
}
