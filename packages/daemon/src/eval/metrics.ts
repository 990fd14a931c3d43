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
    const sorted = [...this.abs].sort((a, b) => a - b);
    // Linear interpolation between order statistics (the usual "type 7" quantile).
    const at = 0.95 * (n - 1);
    const lo = Math.floor(at);
    const p95 = (sorted[lo] as number) + ((sorted[Math.min(lo + 1, n - 1)] as number) - (sorted[lo] as number)) * (at - lo);
    const hasSigma = this.withSigma === n;
    return {
      mae_s: this.abs.reduce((s, v) => s + v, 0) / n,
      rmse_s: Math.sqrt(this.sumSq / n),
      p95_s: p95,
      coverage_95: hasSigma ? this.covered / n : null,
      mean_width_s: hasSigma ? this.widthSum / n : null,
      max_s: sorted[n - 1] as number,
    };
  }
}
