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

/**
 * The error function, to 1.2e-7 (Numerical Recipes' erfc by a Chebyshev fit), enough
 * for a probability reported to a few digits.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(poly);
  return x >= 0 ? 1 - erfc : erfc - 1;
}
