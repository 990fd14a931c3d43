import type { ConfidenceIntervalAnswer, DaemonStatus, FutureUncertaintyAnswer, TimeAnswer } from '@chronotick/protocol';
import { extrapolate, projectionBendS, type Correction } from './correction';
import { hardIntervalAt } from './hard-bound';
import { erf, twoSidedZ } from './normal';

/** What an answer needs besides the correction: the host clock read and the settings. */
export interface AnswerContext {
  systemTimeS: number;
  daemonStatus: DaemonStatus;
  maxDriftPpm: number;
  /** Probability that [earliest, latest] holds the true time. */
  coverage: number;
  /**
   * The smallest corrected time this daemon may serve now: the last one it served.
   * Served time never goes backwards unless the clock is disrupted.
   */
  notBeforeS: number;
  /**
   * Offset still being slewed out after a backward correction (≥ 0): served on top of
   * the estimate, and counted in the uncertainty, since it is a known error.
   */
  pendingSlewS: number;
}

/**
 * How fast a backward correction is slewed out, seconds per second. Served time then
 * runs 5% slow until caught up — never backwards. (chrony allows up to 8.3%.)
 */
export const MAX_SLEW_RATE = 0.05;

/** What is left of a backward correction of `amountS` after `elapsedS` of slewing (≥ 0). */
export function slewLeftS(amountS: number, elapsedS: number): number {
  return Math.max(0, amountS - MAX_SLEW_RATE * Math.max(0, elapsedS));
}

/** `confidence` is the probability of an error smaller than this. */
const CONFIDENCE_WITHIN_S = 1e-3;
/** An answer is worth re-asking once its sigma has grown by this fraction. */
const VALIDITY_SIGMA_GROWTH = 0.1;
const MIN_VALIDITY_S = 1;
const MAX_VALIDITY_S = 60;

/**
 * Builds the get_time answer for one host-clock reading (pure, O(1)). Without any
 * measurement behind the correction (none yet, or all discarded after a step) there is
 * no evidence: the host clock is served as it is, and no uncertainty, interval or
 * coverage is claimed (null), since any figure would be a guess.
 */
export function buildTimeAnswer(correction: Correction, ctx: AnswerContext): TimeAnswer {
  const { systemTimeS, maxDriftPpm, coverage } = ctx;
  if (correction.lastMeasurementS === null) return unclaimedAnswer(correction, ctx);
  const { offsetS, modelSigmaS, knownErrorS, ageS } = spreadAt(correction, ctx);
  const sigmaS = scaledSigmaS(correction, modelSigmaS, ageS, 0.95) + knownErrorS;
  // offset_correction is kept as computed, not as corrected − system: at 1.8e9 s a
  // double resolves only ~0.2 µs, and the difference would carry that rounding.
  const correctedS = systemTimeS + offsetS;
  const halfWidthS = halfWidthAt(correction, modelSigmaS, ageS, knownErrorS, coverage);
  const hard = correction.hardBound ? hardIntervalAt(correction.hardBound, systemTimeS) : null;
  const leap = leapWidening(correction, systemTimeS + (hard?.highS ?? offsetS + halfWidthS));
  return {
    corrected_time: correctedS,
    system_time: systemTimeS,
    offset_correction: offsetS,
    drift_rate: correction.driftSPerS,
    offset_uncertainty: sigmaS,
    drift_uncertainty: correction.driftSigmaSPerS * (correction.scales?.drift ?? 1),
    time_uncertainty: sigmaS,
    earliest: correctedS - halfWidthS - leap.lowS,
    latest: correctedS + halfWidthS + leap.highS,
    coverage,
    hard_earliest: hard === null ? null : systemTimeS + hard.lowS - leap.lowS,
    hard_latest: hard === null ? null : systemTimeS + hard.highS + leap.highS,
    confidence: confidenceFromSigma(sigmaS),
    source: correction.source,
    clock_status: correction.clockStatus,
    daemon_status: ctx.daemonStatus,
    prediction_time: correction.predictionTimeS,
    valid_until: systemTimeS + validityS(correction, maxDriftPpm, sigmaS),
  };
}

/** The served offset at the context's instant, its model σ, and the known error (slew, hold) on top. */
function spreadAt(correction: Correction, ctx: AnswerContext): { offsetS: number; modelSigmaS: number; knownErrorS: number; ageS: number } {
  const { systemTimeS } = ctx;
  const estimate = extrapolate(correction, systemTimeS);
  let offsetS = estimate.offsetS + ctx.pendingSlewS;
  // A slew still running is a known error: it counts in the uncertainty whole.
  let knownErrorS = ctx.pendingSlewS;
  if (correction.clockStatus !== 'disrupted' && systemTimeS + offsetS < ctx.notBeforeS) {
    // Held at the last time served rather than going back: known too.
    const heldS = ctx.notBeforeS - systemTimeS - offsetS;
    offsetS += heldS;
    knownErrorS += heldS;
  }
  const ageS = Math.max(0, systemTimeS - (correction.lastMeasurementS ?? systemTimeS));
  return { offsetS, modelSigmaS: estimate.sigmaS, knownErrorS, ageS };
}

/** Half the width of the interval at `coverage`: calibrated spread, plus the known error whole. */
function halfWidthAt(correction: Correction, modelSigmaS: number, ageS: number, knownErrorS: number, coverage: number): number {
  return twoSidedZ(coverage) * scaledSigmaS(correction, modelSigmaS, ageS, coverage) + knownErrorS;
}

/**
 * The model σ scaled by what the record shows at this age for intervals of `coverage`:
 * the 95% fit up to 95%, the 99% fit beyond (heavier tails need more than the normal
 * z alone). σ itself is reported on the 95% fit, so ±1.96σ is the 95% interval.
 */
function scaledSigmaS(correction: Correction, modelSigmaS: number, ageS: number, coverage: number): number {
  const scales = correction.scales;
  if (!scales) return modelSigmaS;
  const byAge = ageS <= scales.edgeAgeS ? scales.fresh : scales.stale;
  return modelSigmaS * (coverage <= 0.95 ? byAge.at95 : byAge.at99);
}

/**
 * How far a pending leap second widens the intervals of an answer whose latest instant
 * (by the old count) is `latestUtcS`: once that reaches the leap, the truth may already
 * be a second earlier (inserted) or later (deleted).
 */
function leapWidening(correction: Correction, latestUtcS: number): { lowS: number; highS: number } {
  const leap = correction.pendingLeap;
  if (!leap || latestUtcS < leap.atUtcS) return { lowS: 0, highS: 0 };
  return leap.sign > 0 ? { lowS: 1, highS: 0 } : { lowS: 0, highS: 1 };
}

/** The host clock as it is, claiming nothing about how wrong it may be. */
function unclaimedAnswer(correction: Correction, ctx: AnswerContext): TimeAnswer {
  return {
    corrected_time: ctx.systemTimeS,
    system_time: ctx.systemTimeS,
    offset_correction: 0,
    drift_rate: 0,
    offset_uncertainty: null,
    drift_uncertainty: null,
    time_uncertainty: null,
    earliest: null,
    latest: null,
    coverage: null,
    hard_earliest: null,
    hard_latest: null,
    confidence: 0,
    source: 'system',
    clock_status: correction.clockStatus,
    daemon_status: ctx.daemonStatus,
    prediction_time: correction.predictionTimeS,
    valid_until: ctx.systemTimeS + MIN_VALIDITY_S,
  };
}

/**
 * `confidence`: the probability that the served time is within 1 ms of the true time,
 * read from the answer's σ as a normal error: erf(1 ms / (σ√2)). One meaning, from the
 * same σ as the intervals, so it cannot contradict them.
 */
export function confidenceFromSigma(sigmaS: number): number {
  if (sigmaS <= 0) return 1;
  return erf(CONFIDENCE_WITHIN_S / (sigmaS * Math.SQRT2));
}

/** How long until the sigma has grown by VALIDITY_SIGMA_GROWTH, clamped to [1, 60] s. */
function validityS(correction: Correction, maxDriftPpm: number, sigmaS: number): number {
  const growthRate = Math.max(correction.driftSigmaSPerS, maxDriftPpm * 1e-6);
  const seconds = (VALIDITY_SIGMA_GROWTH * sigmaS) / growthRate;
  return Math.min(MAX_VALIDITY_S, Math.max(MIN_VALIDITY_S, seconds));
}

/** get_time_with_future_uncertainty: the answer now plus its projection `futureS` ahead. */
export function buildFutureAnswer(correction: Correction, ctx: AnswerContext, futureS: number): FutureUncertaintyAnswer {
  const now = buildTimeAnswer(correction, ctx);
  const projectedAtS = ctx.systemTimeS + futureS;
  // The drift line, bent to the fused forecast where one reaches that far (the long-term
  // model's, when its record earned it weight).
  const projected = extrapolate(correction, projectedAtS);
  // What is left then of a slew running now is served then too.
  const projectedOffsetS =
    projected.offsetS + projectionBendS(correction, ctx.systemTimeS, projectedAtS) + slewLeftS(ctx.pendingSlewS, futureS);
  if (now.time_uncertainty === null) {
    return { ...now, future_seconds: futureS, projected_time: projectedAtS, projected_uncertainty: null, confidence_decay: null };
  }
  // No measurement will have arrived by then: the answer is as old as the wait makes it.
  const ageS = Math.max(0, projectedAtS - (correction.lastMeasurementS ?? projectedAtS));
  const projectedSigmaS = Math.max(scaledSigmaS(correction, projected.sigmaS, ageS, 0.95), now.time_uncertainty);
  return {
    ...now,
    future_seconds: futureS,
    // Never before the time served now, whatever the clamp on `now` did.
    projected_time: Math.max(projectedAtS + projectedOffsetS, now.corrected_time),
    projected_uncertainty: projectedSigmaS,
    confidence_decay: now.time_uncertainty > 0 ? projectedSigmaS / now.time_uncertainty : 1,
  };
}

/** get_time_with_confidence_interval: a two-sided interval at `level` around now. */
export function buildConfidenceAnswer(correction: Correction, ctx: AnswerContext, level: number): ConfidenceIntervalAnswer {
  const now = buildTimeAnswer(correction, ctx);
  if (now.time_uncertainty === null) return { ...now, confidence_level: level, confidence_interval: null };
  const { modelSigmaS, knownErrorS, ageS } = spreadAt(correction, ctx);
  const halfWidthS = halfWidthAt(correction, modelSigmaS, ageS, knownErrorS, level);
  return {
    ...now,
    confidence_level: level,
    confidence_interval: {
      lower_bound: now.corrected_time - halfWidthS,
      upper_bound: now.corrected_time + halfWidthS,
      range: 2 * halfWidthS,
    },
  };
}
