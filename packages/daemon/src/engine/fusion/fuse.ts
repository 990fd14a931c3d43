import type { Assessment, Paired, PredictorRecord } from './calibrator';
import { sharedErrorWeights } from './shared-error-weights';

/** One predictor's prediction for an instant, before calibration. */
export interface Prediction {
  /** Which predictor: `linear`, `kalman`, `hold_last`, or a model by its role. */
  predictor: string;
  meanS: number;
  /** What the predictor itself claims (measurement scatter included); null when it states none. */
  claimedSigmaS: number | null;
  /**
   * σ beyond what its record covers: the prediction's age (a model that missed its
   * runs) or its distance ahead (a projection far past the next measurement); 0 if none.
   */
  extraSigmaS?: number;
}

export interface FusedPrediction {
  meanS: number;
  /** One σ of the fused offset about the true offset. */
  sigmaS: number;
  /** One σ of the next measurement about the fused offset (its noise included). */
  measurementSigmaS: number;
  /** Normalised weights; 0 for predictors left out. */
  weights: Record<string, number>;
  /** The predictor with the largest weight. */
  dominant: string;
  /** Why each left-out predictor was left out. */
  excluded: Record<string, string>;
}

export interface FusionRules {
  /** A predictor whose calibrated σ exceeds this (seconds) gets no weight. */
  maxSigmaS: number;
  /** A predictor must beat the baseline by this many standard errors (paired) to get weight. */
  betterSigmas: number;
  /** The predictor trusted before any is calibrated: the simple estimator every model must beat. */
  baseline: string;
  /**
   * Predictors that are winning against the baseline right now on the served record
   * (closer to the later reference, most of the recent minutes): they may take part
   * although the paired test on single measurements has not yet seen it.
   */
  winning?: ReadonlySet<string>;
  /**
   * Predictors that had weight in the last fusion. One that earned its place keeps it
   * for as long as it is no worse than the baseline on the record, not only while it
   * is significantly better: a forecast and the fit that run even for a while (a
   * cycle's turn, where the fit's lag passes through zero) share the weight, and the
   * forecast is still in line when the fit falls behind again instead of having to
   * earn it anew. A predictor that only ties the baseline drops out as soon as chance
   * tips the record against it.
   */
  incumbents?: ReadonlySet<string>;
  /**
   * Every server is silent (the clock runs free): if any of these predictors is in
   * line, they alone carry the answer. They are the models, which forecast the clock's
   * motion (a temperature the host still reads, a cycle); the fits only carry their
   * last line on, and their record, earned a poll ahead, says nothing of half an hour.
   */
  holdoverForecasters?: ReadonlySet<string>;
}

export const DEFAULT_RULES: FusionRules = { maxSigmaS: 0.05, betterSigmas: 2, baseline: 'linear' };

/**
 * Calibrated inverse-variance fusion. Each predictor's σ² is its calibrated mean squared
 * error about the true offset; weights are w = 1/σ². Only predictors that earned it get
 * weight: the baseline (the linear fit every model must beat) always, any other only
 * after beating the baseline by `betterSigmas` standard errors on the same recent
 * measurements, a paired comparison in which the measurement noise cancels (or winning
 * on the served record), and then for as long as it is no worse on that record; and any
 * of them (the baseline too) significantly worse than the best steps aside. A predictor
 * whose newest errors are far outside its record is out until it recovers; when that
 * is the baseline (the clock stepped and the fit has not followed yet), every predictor
 * still in line shares the weight. Before calibration, the baseline alone, on its claim.
 *
 * σ_fused = 1/√Σw would treat the predictors as independent; they read the same
 * measurements and share much of their error, so once the fused answers have a record
 * of their own, σ_fused is that record (calibrated like any predictor's), and 1/√Σw only
 * until then. Null when no predictor can be used.
 */
export function fusePredictions(
  predictions: readonly Prediction[],
  assessment: Assessment | null,
  rules: FusionRules,
  fusedKey = 'fusion',
): FusedPrediction | null {
  const excluded: Record<string, string> = {};
  const weights: Record<string, number> = Object.fromEntries(predictions.map((p) => [p.predictor, 0]));
  const usable = predictions.filter((p) => {
    if (Number.isFinite(p.meanS)) return true;
    excluded[p.predictor] = 'no prediction';
    return false;
  });
  const baseline = usable.find((p) => p.predictor === rules.baseline);
  if (assessment === null || assessment.predictors[rules.baseline] === undefined) {
    if (!baseline || baseline.claimedSigmaS === null) return null;
    for (const p of usable) if (p !== baseline) excluded[p.predictor] = 'not yet calibrated';
    weights[baseline.predictor] = 1;
    const sigmaS = baseline.claimedSigmaS;
    return { meanS: baseline.meanS, sigmaS, measurementSigmaS: sigmaS, weights, dominant: baseline.predictor, excluded };
  }
  const records = assessment.predictors;
  const baselineBroken = records[rules.baseline]?.broken === true;
  const kept: { predictor: string; meanS: number; w: number; mseS2: number; extraS2: number }[] = [];
  for (const p of usable) {
    const r = records[p.predictor];
    const mseS2 = servedMseS2(r, p);
    if (r === undefined) {
      excluded[p.predictor] = 'not yet calibrated';
    } else if (Math.sqrt(mseS2) > rules.maxSigmaS) {
      excluded[p.predictor] = `σ ${Math.sqrt(mseS2).toExponential(2)} s over the threshold`;
    } else if (r.broken) {
      excluded[p.predictor] = 'newest errors far outside its record';
    } else if (p.predictor !== rules.baseline && !baselineBroken && !earnedItsPlace(p.predictor, r.vsBaseline, rules)) {
      excluded[p.predictor] = `not better than ${rules.baseline} on recent measurements`;
    } else {
      kept.push({ predictor: p.predictor, meanS: p.meanS, w: 1 / mseS2, mseS2: r.truthMseS2, extraS2: (p.extraSigmaS ?? 0) ** 2 });
    }
  }
  if (kept.length === 0) return null;
  if (rules.holdoverForecasters && kept.some((c) => rules.holdoverForecasters?.has(c.predictor) === true)) {
    for (let i = kept.length - 1; i >= 0; i--) {
      const c = kept[i] as (typeof kept)[number];
      if (rules.holdoverForecasters.has(c.predictor)) continue;
      excluded[c.predictor] = 'every server is silent: the models in line forecast';
      kept.splice(i, 1);
    }
  }
  // Sources that share their errors do not average them away: one clearly worse than
  // the best of the others would only pull the mean its way. So among those in line,
  // any significantly worse than the best (paired, as above) steps aside.
  const best = kept.reduce((a, c) => (c.w > a.w ? c : a));
  for (let i = kept.length - 1; i >= 0; i--) {
    const c = kept[i] as (typeof kept)[number];
    const vs = c === best ? null : assessment.paired(c.predictor, best.predictor);
    if (vs !== null && vs.meanS2 > rules.betterSigmas * vs.seS2) {
      excluded[c.predictor] = `worse than ${best.predictor} on recent measurements`;
      kept.splice(i, 1);
    }
  }
  const sumW = kept.reduce((s, c) => s + c.w, 0);
  const shares = sharedShares(kept, assessment) ?? kept.map((c) => c.w / sumW);
  let dominant = kept[0] as (typeof kept)[number];
  kept.forEach((c, i) => {
    weights[c.predictor] = shares[i] as number;
    if ((shares[i] as number) > (weights[dominant.predictor] as number)) dominant = c;
  });
  const meanS = kept.reduce((s, c, i) => s + (shares[i] as number) * c.meanS, 0);
  const truthS2 = records[fusedKey]?.truthMseS2 ?? 1 / sumW;
  return {
    meanS,
    sigmaS: Math.sqrt(truthS2),
    measurementSigmaS: Math.sqrt(truthS2 + assessment.noiseS2),
    weights,
    dominant: dominant.predictor,
    excluded,
  };
}

/**
 * The weights that minimise the mixture's error given that the predictors share theirs
 * (see {@link sharedErrorWeights}), from their records and the gaps between them; null
 * (inverse-variance weights instead) when a gap is unknown or nothing is solvable.
 * Each member's record is its calibrated MSE, whose noise-removal bias is common to
 * all and cancels. (Tried instead: the paired differences from the best member, which
 * do the same on ntp_outage_30min and steady_quartz s1-6 and are worse on
 * temperature_wander, 167-239 µs against 167-200; and those shrunk toward zero by
 * their standard error, worse everywhere: ntp_outage 121-196 against 110-156.)
 */
function sharedShares(kept: readonly { predictor: string; mseS2: number; extraS2: number }[], assessment: Assessment): number[] | null {
  if (kept.length < 2) return null;
  const gapS2: number[][] = [];
  for (const a of kept) {
    const row: number[] = [];
    for (const b of kept) {
      const gap = a === b ? 0 : assessment.gapS2(a.predictor, b.predictor);
      if (gap === null) return null;
      row.push(gap);
    }
    gapS2.push(row);
  }
  return sharedErrorWeights({ mseS2: kept.map((c) => c.mseS2), gapS2, extraS2: kept.map((c) => c.extraS2) });
}

/**
 * The mean squared error a prediction is weighed by: its predictor's calibrated record,
 * plus what the record does not cover (`extraSigmaS`). Infinite without a record.
 */
export function servedMseS2(record: PredictorRecord | undefined, prediction: Prediction): number {
  return record === undefined ? Infinity : record.truthMseS2 + (prediction.extraSigmaS ?? 0) ** 2;
}

/**
 * The σ a prediction's age adds. A predictor's record was earned at the ages its schedule
 * gives its predictions (a model run every `scheduleS` is at most that old when scored);
 * a prediction older than twice that (the model stalled or keeps failing) is coasting,
 * and its error may grow as fast as the oscillator can drift, the holdover rule the
 * served answer follows between measurements.
 */
export function staleSigmaS(ageS: number, scheduleS: number, maxDriftPpm: number): number {
  return maxDriftPpm * 1e-6 * Math.max(0, ageS - 2 * scheduleS);
}

/** In line beside the baseline: proven better, winning on the served record, or in already and no worse. */
function earnedItsPlace(predictor: string, vs: Paired | null, rules: FusionRules): boolean {
  if (vs !== null && vs.meanS2 < -rules.betterSigmas * vs.seS2) return true;
  if (rules.winning?.has(predictor) === true) return true;
  return rules.incumbents?.has(predictor) === true && vs !== null && !(vs.meanS2 > rules.betterSigmas * vs.seS2);
}
