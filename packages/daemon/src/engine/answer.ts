import type { ConfidenceIntervalAnswer, DaemonStatus, FutureUncertaintyAnswer, TimeAnswer } from '@chronotick/protocol';
import { extrapolate, projectionBendS, type Correction } from './correction';
import { twoSidedZ } from './normal';

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

/** Confidence is 0.5 when one sigma is this large; it falls smoothly beyond. */
const CONFIDENCE_HALF_SIGMA_S = 1e-3;
/** An answer is worth re-asking once its sigma has grown by this fraction. */
const VALIDITY_SIGMA_GROWTH = 0.1;
const MIN_VALIDITY_S = 1;
const MAX_VALIDITY_S = 60;

/** Builds the get_time answer for one host-clock reading (pure, O(1)). */
export function buildTimeAnswer(correction: Correction, ctx: AnswerContext): TimeAnswer {
  const { systemTimeS, maxDriftPpm, coverage } = ctx;
  const estimate = extrapolate(correction, systemTimeS, maxDriftPpm);
  let offsetS = estimate.offsetS + ctx.pendingSlewS;
  let sigmaS = estimate.sigmaS + ctx.pendingSlewS;
  if (correction.clockStatus !== 'disrupted' && systemTimeS + offsetS < ctx.notBeforeS) {
    // Held at the last time served rather than going back: a known error, so it counts
    // in the uncertainty as the slew does.
    const heldS = ctx.notBeforeS - systemTimeS - offsetS;
    offsetS += heldS;
    sigmaS += heldS;
  }
  // offset_correction is kept as computed, not as corrected − system: at 1.8e9 s a
  // double resolves only ~0.2 µs, and the difference would carry that rounding.
  const correctedS = systemTimeS + offsetS;
  const halfWidthS = twoSidedZ(coverage) * sigmaS;
  return {
    corrected_time: correctedS,
    system_time: systemTimeS,
    offset_correction: offsetS,
    drift_rate: correction.driftSPerS,
    offset_uncertainty: sigmaS,
    drift_uncertainty: correction.driftSigmaSPerS,
    time_uncertainty: sigmaS,
    earliest: correctedS - halfWidthS,
    latest: correctedS + halfWidthS,
    coverage,
    confidence: confidenceFromSigma(sigmaS),
    source: correction.source,
    clock_status: correction.clockStatus,
    daemon_status: ctx.daemonStatus,
    prediction_time: correction.predictionTimeS,
    valid_until: systemTimeS + validityS(correction, maxDriftPpm, sigmaS),
  };
}

/** 1 for a perfect answer, 0.5 at one millisecond of sigma, towards 0 beyond. */
export function confidenceFromSigma(sigmaS: number): number {
  return 1 / (1 + sigmaS / CONFIDENCE_HALF_SIGMA_S);
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
  const projected = extrapolate(correction, projectedAtS, ctx.maxDriftPpm);
  // What is left then of a slew running now is served then too.
  const projectedOffsetS =
    projected.offsetS + projectionBendS(correction, ctx.systemTimeS, projectedAtS) + slewLeftS(ctx.pendingSlewS, futureS);
  // Holdover counts from the last measurement, and none will have arrived by then.
  const projectedSigmaS = Math.max(projected.sigmaS, now.time_uncertainty);
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
  const halfWidthS = twoSidedZ(level) * now.time_uncertainty;
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
