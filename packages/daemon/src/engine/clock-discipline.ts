import type { LeapIndicator, NtpSample } from '@chronotick/ntp';
import { fitLinearDrift, type LinearDriftFit, type Measurement } from '@chronotick/tsfm';
import type { ClockStatus } from '@chronotick/protocol';
import { servedSource, type Correction } from './correction';

export interface ClockDisciplineSettings {
  /** Measurements kept for fitting and for the models. */
  historyLimit: number;
  /** Most recent measurements the linear fit reads. */
  fitWindow: number;
}

/** √3: a bound ±λ on a uniformly distributed error is a sigma of λ/√3. */
export const SQRT3 = Math.sqrt(3);

/**
 * A sample as the pipeline takes it: one measurement, with the server it came from,
 * the bound λ when the sampler knows it (a replayed series may not), and the leap
 * second the server announces.
 */
export type RoundSample = Measurement & { server: string; leap: LeapIndicator };

/**
 * The sample an accepted NTP exchange gives, with its bound λ. No σ is stated: λ is
 * mostly half the path's round trip, the same for every exchange on it, and would
 * weigh them all alike; the fits weigh each by its delay above the path's minimum
 * instead (queueing is what makes one exchange worse than another), as chrony does.
 */
export function sampleFromNtp(sample: NtpSample): RoundSample {
  return {
    tS: sample.tS,
    offsetS: sample.offsetS,
    delayS: sample.delayS,
    boundS: sample.uncertaintyS,
    server: sample.server,
    leap: sample.leap,
  };
}

/**
 * Turns NTP measurements into the correction the daemon serves: a delay-weighted,
 * outlier-robust linear fit of offset and drift over recent measurements (tsfm's
 * `fitLinearDrift`). Pure: it is given measurements and instants, never reads a clock.
 *
 * Its σ is the fit's own: what the measurements' scatter says about the line. A
 * constant path asymmetry shifts every measurement alike and no scatter reveals it;
 * the hard bound (hard-bound.ts), built from each measurement's λ, is what covers it.
 */
export class ClockDiscipline {
  private history: Measurement[] = [];
  /** The fit of the current history; cleared whenever the history changes (it is asked for several times per round). */
  private fitted: LinearDriftFit | null = null;

  constructor(private readonly settings: ClockDisciplineSettings) {}

  /** The measurements the models may learn from: measurements only, never forecasts. */
  get measurements(): readonly Measurement[] {
    return this.history;
  }

  get lastMeasurementS(): number | null {
    return this.history.length === 0 ? null : (this.history[this.history.length - 1] as Measurement).tS;
  }

  /** Adds the measurements of one round. */
  add(measurements: readonly Measurement[]): void {
    this.fitted = null;
    this.history.push(...measurements);
    if (this.history.length > this.settings.historyLimit) this.history.splice(0, this.history.length - this.settings.historyLimit);
  }

  /** Restores measurements (from saved state) without counting them as new. */
  restore(measurements: readonly Measurement[]): void {
    this.fitted = null;
    this.history = measurements.slice(-this.settings.historyLimit);
  }

  /** Moves the offsets measured before host time `beforeS` by `deltaS` (a leap second changed the count). */
  shiftBefore(beforeS: number, deltaS: number): void {
    this.fitted = null;
    this.history = this.history.map((m) => (m.tS < beforeS ? { ...m, offsetS: m.offsetS + deltaS } : m));
  }

  /** Forgets everything: after a step of the host clock no old measurement holds. */
  reset(): void {
    this.fitted = null;
    this.history = [];
  }

  /** Scatter of one measurement about the fitted line, seconds: what the next one will add to any prediction. */
  measurementScatterS(): number | null {
    if (this.history.length === 0) return null;
    this.fitted ??= fitLinearDrift(this.history.slice(-this.settings.fitWindow), { maxSamples: this.settings.fitWindow });
    return this.fitted.residualSigmaS;
  }

  /**
   * The correction the current history supports, as computed at host time `nowS`,
   * labelled with the clock's status (the state machine's to decide, not the fit's).
   */
  correctionAt(nowS: number, clockStatus: ClockStatus): Correction {
    const window = this.history.slice(-this.settings.fitWindow);
    this.fitted ??= fitLinearDrift(window, { maxSamples: this.settings.fitWindow });
    const fit = this.fitted;
    return {
      refTimeS: fit.refTimeS,
      offsetS: fit.offsetS,
      driftSPerS: fit.driftSPerS,
      offsetSigmaS: fit.offsetSigmaS,
      driftSigmaSPerS: fit.driftSigmaSPerS,
      lastMeasurementS: fit.lastSampleTimeS,
      predictionTimeS: nowS,
      source: servedSource('ntp', clockStatus),
      clockStatus,
    };
  }
}
