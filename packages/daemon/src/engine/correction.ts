import type { ClockStatus, Source } from '@chronotick/protocol';

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
  driftRate: number;
  offsetSigmaS: number;
  driftSigma: number;
  /** Host-clock seconds of the last accepted measurement; null when there is none. */
  lastMeasurementS: number | null;
  /** When this correction was computed (host-clock Unix seconds). */
  predictionTimeS: number;
  source: Source;
  clockStatus: ClockStatus;
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
    driftRate: 0,
    offsetSigmaS: UNMEASURED_OFFSET_SIGMA_S,
    driftSigma: UNMEASURED_DRIFT_SIGMA,
    lastMeasurementS: null,
    predictionTimeS: nowS,
    source: 'system',
    clockStatus: 'unknown',
  };
}

/** The correction extrapolated to one host-clock instant. */
export interface Extrapolated {
  offsetS: number;
  /** One sigma of the offset at that instant, holdover growth included. */
  sigmaS: number;
}

/**
 * Extrapolates a correction to `atS`. The sigma combines the offset and drift
 * uncertainties, and grows at least at `maxDriftPpm` for every second since the last
 * measurement (ClockBound's holdover rule), so an answer never claims more than the
 * oscillator's worst case allows.
 */
export function extrapolate(correction: Correction, atS: number, maxDriftPpm: number): Extrapolated {
  const sinceRefS = atS - correction.refTimeS;
  const offsetS = correction.offsetS + correction.driftRate * sinceRefS;
  const statisticalSigmaS = Math.hypot(correction.offsetSigmaS, correction.driftSigma * sinceRefS);
  const sinceMeasurementS = correction.lastMeasurementS === null ? 0 : Math.max(0, atS - correction.lastMeasurementS);
  const holdoverS = maxDriftPpm * 1e-6 * sinceMeasurementS;
  return { offsetS, sigmaS: statisticalSigmaS + holdoverS };
}
