import type { ClockStatus, Source } from '@chronotick/protocol';
import type { HardBound } from './hard-bound';
import type { ServedScales } from './served-calibration';

/**
 * What the daemon currently believes about the host clock: its offset at a reference
 * instant and its drift, each with a standard deviation. Queries extrapolate this in
 * O(1); measurements and forecasts replace it off the request path.
 */
export interface Correction {
  /** Host-clock Unix seconds at which offsetS holds. */
  refTimeS: number;
  /** True time minus host time at refTimeS, seconds. */
  offsetS: number;
  /** d(offset)/dt, seconds per second. */
  driftSPerS: number;
  offsetSigmaS: number;
  driftSigmaSPerS: number;
  /** Host-clock seconds of the last accepted measurement; null when there is none. */
  lastMeasurementS: number | null;
  /** When this correction was computed (host-clock Unix seconds). */
  predictionTimeS: number;
  source: Source;
  clockStatus: ClockStatus;
  /**
   * The fused forecast at future host instants (the long-term model's grid): projections
   * follow it, bent from the drift line as far as the sources' records weigh in there.
   * Absent when the linear fit serves alone or the long-term model has no forecast.
   */
  projection?: readonly ProjectedOffset[];
  /** The hard bound on the true offset the measurements support; null without evidence. */
  hardBound?: HardBound | null;
  /**
   * A leap second announced and not yet applied: UTC instant and sign (+1 inserted). An
   * answer whose interval reaches past it may already be in the new count, so both of
   * its intervals widen by the second on that side.
   */
  pendingLeap?: { atUtcS: number; sign: 1 | -1 } | null;
  /** What the record says the model σ must be scaled by to hold as often as claimed; 1 until scored. */
  scales?: ServedScales;
}

/** A forecast offset at a future host instant. */
export interface ProjectedOffset {
  tS: number;
  offsetS: number;
}

/**
 * How wrong an unmeasured host clock may be, one sigma. A host with no NTP evidence
 * is usually within milliseconds if the OS disciplines it, but we cannot tell that
 * from here, and one that free-runs after a bad boot can be off by far more. One
 * second is an honest "we don't know", not a claim.
 */
export const UNMEASURED_OFFSET_SIGMA_S = 1.0;
/** A host clock with no evidence may drift as fast as a poor quartz oscillator. */
export const UNMEASURED_DRIFT_SIGMA = 500e-6;

/**
 * The source an answer names for a correction made by `source` while the clock is in
 * `clockStatus`: coasting on an old estimate is holdover, whatever produced it, and a
 * holdover estimate that is fresh again is NTP's.
 */
export function servedSource(source: Source, clockStatus: ClockStatus): Source {
  if (clockStatus === 'free_running') return 'holdover';
  return source === 'holdover' ? 'ntp' : source;
}

/** The correction served before any measurement: the host clock as it is. */
export function hostOnlyCorrection(nowS: number): Correction {
  return {
    refTimeS: nowS,
    offsetS: 0,
    driftSPerS: 0,
    offsetSigmaS: UNMEASURED_OFFSET_SIGMA_S,
    driftSigmaSPerS: UNMEASURED_DRIFT_SIGMA,
    lastMeasurementS: null,
    predictionTimeS: nowS,
    source: 'system',
    clockStatus: 'unknown',
  };
}

/** The correction extrapolated to one host-clock instant. */
export interface Extrapolated {
  offsetS: number;
  /**
   * One sigma of the offset at that instant by the model alone (offset and drift
   * uncertainty), before calibration: answers scale it by what the record shows
   * (`scales`), and the hard bound, not this, carries the oscillator's worst case.
   */
  sigmaS: number;
}

/** Extrapolates a correction to `atS` along its drift line. */
export function extrapolate(correction: Correction, atS: number): Extrapolated {
  const sinceRefS = atS - correction.refTimeS;
  const offsetS = correction.offsetS + correction.driftSPerS * sinceRefS;
  return { offsetS, sigmaS: Math.hypot(correction.offsetSigmaS, correction.driftSigmaSPerS * sinceRefS) };
}

/**
 * How far the correction's forecast at `atS` lies from its drift line: 0 at the
 * instant the correction was made, linear between the projection's points, and held at
 * the last point's value beyond it. 0 without a projection.
 */
function projectionDeviationS(correction: Correction, atS: number): number {
  const points = correction.projection;
  if (points === undefined || points.length === 0) return 0;
  const deviation = (p: ProjectedOffset): number => p.offsetS - (correction.offsetS + correction.driftSPerS * (p.tS - correction.refTimeS));
  let before = { tS: correction.predictionTimeS, d: 0 };
  for (const p of points) {
    const here = { tS: p.tS, d: deviation(p) };
    if (atS <= here.tS) {
      if (atS <= before.tS) return before.d;
      return before.d + ((here.d - before.d) * (atS - before.tS)) / (here.tS - before.tS);
    }
    before = here;
  }
  return before.d;
}

/**
 * How much the forecast bends a projection from `nowS` to `atS` away from the drift
 * line the answer at `nowS` is served on: the change of the deviation between the two
 * instants, so a projection zero seconds ahead is the served time itself, and one made
 * after the forecast's last point has nothing left to bend.
 */
export function projectionBendS(correction: Correction, nowS: number, atS: number): number {
  return projectionDeviationS(correction, atS) - projectionDeviationS(correction, nowS);
}
