import { Z95 } from '@chronotick/tsfm';

/** Scores of one method over a replay, seconds. Null where a figure does not apply. */
export interface MethodScore {
  mae_s: number | null;
  rmse_s: number | null;
  /** 95th percentile of the absolute error. */
  p95_s: number | null;
  /** Fraction of errors within the method's nominal 95% interval (±1.96σ); null without σ. */
  coverage_95: number | null;
  /** Mean full width of that interval (2·1.96σ); null without σ. */
  mean_width_s: number | null;
}

/** A score plus what the JSON contract leaves out (tests and the note use it). */
export interface MethodReport extends MethodScore {
  /** Largest absolute error, seconds. */
  max_s: number | null;
}

/** Collects the errors of one method, point by point. */
export class ErrorAccumulator {
  private readonly abs: number[] = [];
  private sumSq = 0;
  private covered = 0;
  private widthSum = 0;
  private withSigma = 0;

  /** Record one prediction's error (prediction − truth) and its σ (null: the method has none). */
  add(errorS: number, sigmaS: number | null): void {
    this.abs.push(Math.abs(errorS));
    this.sumSq += errorS * errorS;
    if (sigmaS !== null) {
      this.withSigma++;
      if (Math.abs(errorS) <= Z95 * sigmaS) this.covered++;
      this.widthSum += 2 * Z95 * sigmaS;
    }
  }

  report(): MethodReport {
    const n = this.abs.length;
    if (n === 0) return { mae_s: null, rmse_s: null, p95_s: null, coverage_95: null, mean_width_s: null, max_s: null };
    const p95 = quantile(this.abs, 0.95) as number;
    const hasSigma = this.withSigma === n;
    return {
      mae_s: this.abs.reduce((s, v) => s + v, 0) / n,
      rmse_s: Math.sqrt(this.sumSq / n),
      p95_s: p95,
      coverage_95: hasSigma ? this.covered / n : null,
      mean_width_s: hasSigma ? this.widthSum / n : null,
      max_s: this.abs.reduce((m, v) => Math.max(m, v), 0),
    };
  }
}

/** The q-quantile, linear between order statistics (the usual "type 7"); null for no values. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (b - a) * (at - lo);
}
