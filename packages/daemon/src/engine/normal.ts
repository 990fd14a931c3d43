import { normalQuantile } from '@chronotick/tsfm';

/** The two-sided standard-normal quantile: the z for which P(|X| ≤ z) = coverage, 0 < coverage < 1. */
export function twoSidedZ(coverage: number): number {
  return normalQuantile((1 + coverage) / 2);
}
