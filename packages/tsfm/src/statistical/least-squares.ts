/**
 * Small weighted least squares: a handful of columns, solved through the normal
 * equations by Cholesky, with a ridge so a column the data do not determine (a constant
 * temperature) gets a coefficient near zero instead of a singular matrix.
 */
export interface LeastSquaresFit {
  coef: number[];
  /** Covariance of the coefficients in units of the weights (scale by the residual variance). */
  cov: number[][];
}

/** Solves min Σ w_i (y_i − x_i·β)² + ridge·|β|²; rows of `x` hold one sample's columns. */
export function weightedLeastSquares(
  x: readonly (readonly number[])[],
  y: readonly number[],
  w: readonly number[],
  ridge = 1e-12,
): LeastSquaresFit {
  const p = x[0]?.length ?? 0;
  const a = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const b = new Array<number>(p).fill(0);
  x.forEach((row, i) => {
    const wi = w[i] ?? 0;
    const yi = y[i] ?? 0;
    for (let j = 0; j < p; j++) {
      const xj = (row[j] ?? 0) * wi;
      b[j] = (b[j] ?? 0) + xj * yi;
      const aj = a[j] as number[];
      for (let k = 0; k <= j; k++) aj[k] = (aj[k] ?? 0) + xj * (row[k] ?? 0);
    }
  });
  for (let j = 0; j < p; j++) {
    const aj = a[j] as number[];
    // Ridge relative to the column's own scale, so no unit choice decides what is negligible.
    aj[j] = (aj[j] ?? 0) * (1 + ridge) + 1e-300;
    for (let k = 0; k < j; k++) (a[k] as number[])[j] = aj[k] ?? 0;
  }
  const inv = invertSymmetric(a);
  const coef = inv.map((row) => row.reduce((acc, v, k) => acc + v * (b[k] ?? 0), 0));
  return { coef, cov: inv };
}

/** Inverse of a small symmetric positive-definite matrix (Gauss–Jordan with partial pivoting). */
function invertSymmetric(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]?.[c] ?? 0) > Math.abs(a[pivot]?.[c] ?? 0)) pivot = r;
    [a[c], a[pivot]] = [a[pivot] as number[], a[c] as number[]];
    const row = a[c] as number[];
    const d = row[c] ?? 0;
    if (d === 0) continue;
    for (let k = 0; k < 2 * n; k++) row[k] = (row[k] ?? 0) / d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const other = a[r] as number[];
      const f = other[c] ?? 0;
      if (f === 0) continue;
      for (let k = 0; k < 2 * n; k++) other[k] = (other[k] ?? 0) - f * (row[k] ?? 0);
    }
  }
  return a.map((row) => row.slice(n));
}

/** x·C·x for a coefficient covariance C. */
export function quadraticForm(cov: readonly (readonly number[])[], x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) for (let j = 0; j < x.length; j++) s += (x[i] ?? 0) * (cov[i]?.[j] ?? 0) * (x[j] ?? 0);
  return s;
}
