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
  const n = x.length;
  const p = x[0]?.length ?? 0;
  const design = designScratch(n, p);
  for (let i = 0; i < n; i++) design.set(x[i] as readonly number[], i * p);
  return weightedLeastSquaresRows(design, n, p, y, w, ridge);
}

/** Backing of {@link designScratch}: one fit at a time fills it (single-threaded, never re-entered). */
let design = new Float64Array(1024);

/**
 * A row-major n×p design matrix to fill for {@link weightedLeastSquaresRows}, reused
 * from call to call (it may hold more than n×p values): residual_ar solves a dozen fits
 * per refit, and a matrix or a call per sample each time was much of what it allocated.
 */
export function designScratch(n: number, p: number): Float64Array {
  if (design.length < n * p) design = new Float64Array(n * p);
  return design;
}

/**
 * The same fit with sample i's `p` columns at x[i·p .. i·p + p) (a {@link designScratch}),
 * the normal equations accumulated in scratch reused from call to call.
 */
export function weightedLeastSquaresRows(
  x: Float64Array,
  n: number,
  p: number,
  y: ArrayLike<number>,
  w: ArrayLike<number>,
  ridge = 1e-12,
): LeastSquaresFit {
  const { a, b } = scratchFor(p);
  // a[j·p + k], k ≤ j: the lower triangle of XᵀWX; b = XᵀWy.
  a.fill(0, 0, p * p);
  b.fill(0, 0, p);
  for (let i = 0; i < n; i++) {
    const wi = w[i] ?? 0;
    const yi = y[i] ?? 0;
    const at = i * p;
    for (let j = 0; j < p; j++) {
      const xj = (x[at + j] as number) * wi;
      b[j] = (b[j] as number) + xj * yi;
      for (let k = 0; k <= j; k++) a[j * p + k] = (a[j * p + k] as number) + xj * (x[at + k] as number);
    }
  }
  for (let j = 0; j < p; j++) {
    // Ridge relative to the column's own scale, so no unit choice decides what is negligible.
    a[j * p + j] = (a[j * p + j] as number) * (1 + ridge) + 1e-300;
    for (let k = 0; k < j; k++) a[k * p + j] = a[j * p + k] as number;
  }
  const inv = invertSymmetric(a, p);
  const coef = new Array<number>(p);
  const cov = new Array<number[]>(p);
  for (let j = 0; j < p; j++) {
    let acc = 0;
    const covRow = new Array<number>(p);
    for (let k = 0; k < p; k++) {
      acc += (inv[j * p + k] as number) * (b[k] as number);
      covRow[k] = inv[j * p + k] as number;
    }
    coef[j] = acc;
    cov[j] = covRow;
  }
  return { coef, cov };
}

/** Scratch of the normal equations, grown to the widest fit asked for (single-threaded, never re-entered). */
let scratch = {
  p: 0,
  a: new Float64Array(0),
  b: new Float64Array(0),
  work: new Float64Array(0),
  inv: new Float64Array(0),
};

function scratchFor(p: number): typeof scratch {
  if (scratch.p < p) {
    scratch = {
      p,
      a: new Float64Array(p * p),
      b: new Float64Array(p),
      work: new Float64Array(2 * p * p),
      inv: new Float64Array(p * p),
    };
  }
  return scratch;
}

/**
 * Inverse of a small symmetric positive-definite n×n matrix, row-major (Gauss–Jordan
 * with partial pivoting on the matrix beside the identity), into the scratch's `inv`.
 */
function invertSymmetric(m: Float64Array, n: number): Float64Array {
  const width = 2 * n;
  const { work: a, inv } = scratch;
  a.fill(0, 0, n * width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * width + j] = m[i * n + j] as number;
    a[i * width + n + i] = 1;
  }
  const swapRows = (r: number, s: number): void => {
    for (let k = 0; k < width; k++) {
      const t = a[r * width + k] as number;
      a[r * width + k] = a[s * width + k] as number;
      a[s * width + k] = t;
    }
  };
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * width + c] as number) > Math.abs(a[pivot * width + c] as number)) pivot = r;
    if (pivot !== c) swapRows(c, pivot);
    const d = a[c * width + c] as number;
    if (d === 0) continue;
    for (let k = 0; k < width; k++) a[c * width + k] = (a[c * width + k] as number) / d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * width + c] as number;
      if (f === 0) continue;
      for (let k = 0; k < width; k++) a[r * width + k] = (a[r * width + k] as number) - f * (a[c * width + k] as number);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) inv[i * n + j] = a[i * width + n + j] as number;
  return inv;
}

/** x·C·x for a coefficient covariance C. */
export function quadraticForm(cov: readonly (readonly number[])[], x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) for (let j = 0; j < x.length; j++) s += (x[i] ?? 0) * (cov[i]?.[j] ?? 0) * (x[j] ?? 0);
  return s;
}
