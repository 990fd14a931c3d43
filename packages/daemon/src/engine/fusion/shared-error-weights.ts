/**
 * Weights for predictors that share their errors. They read the same measurements, so
 * their errors are correlated, and inverse-variance weights (which assume them
 * independent) split the weight between a fit and a filter that follows the same noise
 * more closely, where the mixture's error is least with the filter alone.
 *
 * The error of a mixture Σ wᵢ pᵢ (Σ wᵢ = 1) is Σ wᵢ rᵢ − ½ Σᵢⱼ wᵢ wⱼ Dᵢⱼ + Σ wᵢ² xᵢ²:
 * the weighted mean of the members' mean squared errors rᵢ, less half the spread between
 * them (Dᵢⱼ, the mean squared gap between predictions i and j, which no measurement noise
 * enters), plus each member's independent extra σ (xᵢ: a stale forecast's age). The
 * calibrated rᵢ carry a common bias (the measurement noise taken out is itself an
 * estimate), and a bias common to all rᵢ shifts this error by a constant: the weights
 * that minimise it depend only on the differences between the records, which the paired
 * comparisons estimate well, and on the gaps, which are exact.
 *
 * Minimised over the simplex (no negative weights: a member is used, not bet against)
 * by trying every set of members and solving its equality-constrained problem; with at
 * most a handful of predictors that is a few dozen small systems. Pure.
 */
export interface SharedErrorInputs {
  /** Each member's mean squared error about the truth, s², up to a constant common to all. */
  mseS2: readonly number[];
  /** Mean squared gap between members i and j on the same measurements, s² (symmetric, 0 on the diagonal). */
  gapS2: readonly (readonly number[])[];
  /** Each member's independent extra variance, s². */
  extraS2: readonly number[];
}

/** More members than this are weighed by the caller's fallback: the subsets grow as 2ⁿ. */
export const MAX_SHARED_MEMBERS = 8;

/** Ridge on the diagonal, as a fraction of the mean gap (at least (1 ns)²): keeps identical members solvable. */
const RIDGE = 1e-6;
const MIN_RIDGE_S2 = 1e-18;

/** The minimum-error weights (summing to 1, none negative); null when no subset is solvable. */
export function sharedErrorWeights(inputs: SharedErrorInputs): number[] | null {
  const n = inputs.mseS2.length;
  if (n === 0 || n > MAX_SHARED_MEMBERS) return null;
  const q = covariance(inputs);
  let best: { weights: number[]; errorS2: number } | null = null;
  for (let mask = 1; mask < 1 << n; mask++) {
    const members = [...Array(n).keys()].filter((i) => (mask >> i) & 1);
    const inner = solveOnFace(q, members);
    if (inner === null || inner.some((w) => w < 0)) continue;
    const weights = new Array<number>(n).fill(0);
    members.forEach((i, k) => (weights[i] = inner[k] as number));
    const errorS2 = quadratic(q, weights);
    if (best === null || errorS2 < best.errorS2) best = { weights, errorS2 };
  }
  return best?.weights ?? null;
}

/** Q with wᵀQw the mixture's error on Σw = 1: Qᵢⱼ = (rᵢ + rⱼ − Dᵢⱼ)/2, plus xᵢ² and a ridge on the diagonal. */
function covariance({ mseS2, gapS2, extraS2 }: SharedErrorInputs): number[][] {
  const gaps = gapS2.flatMap((row, i) => row.filter((_, j) => j !== i));
  const ridge = Math.max(MIN_RIDGE_S2, (RIDGE * gaps.reduce((s, d) => s + d, 0)) / Math.max(1, gaps.length));
  return mseS2.map((ri, i) =>
    mseS2.map((rj, j) => {
      if (i === j) return ri + (extraS2[i] ?? 0) + ridge;
      return (ri + rj - (gapS2[i]?.[j] ?? 0)) / 2;
    }),
  );
}

function quadratic(q: readonly (readonly number[])[], w: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < w.length; i++) for (let j = 0; j < w.length; j++) sum += (w[i] as number) * (q[i]?.[j] as number) * (w[j] as number);
  return sum;
}

/**
 * argmin wᵀQw over the members with Σw = 1: Q_S w = λ1, so w ∝ Q_S⁻¹1. Null when Q_S is
 * singular or 1ᵀQ_S⁻¹1 is not positive (the face has no minimum).
 */
function solveOnFace(q: readonly (readonly number[])[], members: readonly number[]): number[] | null {
  const a = members.map((i) => [...members.map((j) => q[i]?.[j] as number), 1]);
  const u = gaussianSolve(a);
  if (u === null) return null;
  const total = u.reduce((s, x) => s + x, 0);
  if (!(total > 0)) return null;
  return u.map((x) => x / total);
}

/** Solves A x = b for an augmented matrix [A | b] by Gaussian elimination with partial pivoting; null if singular. */
function gaussianSolve(augmented: number[][]): number[] | null {
  const n = augmented.length;
  const m = augmented.map((row) => [...row]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]?.[col] as number) > Math.abs(m[pivot]?.[col] as number)) pivot = r;
    const p = m[pivot] as number[];
    if (!(Math.abs(p[col] as number) > 0)) return null;
    [m[col], m[pivot]] = [p, m[col] as number[]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = m[r] as number[];
      const factor = (row[col] as number) / (p[col] as number);
      if (factor === 0) continue;
      for (let c = col; c <= n; c++) row[c] = (row[c] as number) - factor * (p[c] as number);
    }
  }
  return m.map((row, i) => (row[n] as number) / (row[i] as number));
}
