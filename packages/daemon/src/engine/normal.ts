/**
 * The two-sided standard-normal quantile: the z for which P(|X| ≤ z) = coverage.
 * Bisection on erf; answers are cached since only a few coverages are ever asked for.
 */
const cache = new Map<number, number>();

export function twoSidedZ(coverage: number): number {
  const cached = cache.get(coverage);
  if (cached !== undefined) return cached;
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (erf(mid / Math.SQRT2) < coverage) lo = mid;
    else hi = mid;
  }
  const z = (lo + hi) / 2;
  if (cache.size < 64) cache.set(coverage, z);
  return z;
}

/** erf by its Maclaurin series near 0 and its continued fraction (erfc) in the tail. */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x < 2.5) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)); converges fast for small x.
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), evaluated bottom-up.
  let frac = 0;
  for (let k = 60; k >= 1; k--) frac = k / 2 / (x + frac);
  return 1 - Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + frac);
}
