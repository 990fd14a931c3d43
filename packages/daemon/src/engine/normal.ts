import { normalQuantile } from '@chronotick/tsfm';

/** A few coverages are asked for over and over (every get_time): their z's are kept. */
const cache = new Map<number, number>();

/**
 * The two-sided standard-normal quantile: the z for which P(|X| ≤ z) = coverage,
 * 0 < coverage < 1. Taken from the lower tail, (1 − coverage)/2, which stays above 0
 * for any coverage below 1 (the upper tail, (1 + coverage)/2, rounds to 1 near it).
 */
export function twoSidedZ(coverage: number): number {
  const cached = cache.get(coverage);
  if (cached !== undefined) return cached;
  const z = -normalQuantile((1 - coverage) / 2);
  if (cache.size < 64) cache.set(coverage, z);
  return z;
}
