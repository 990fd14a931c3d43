import { fitLinearDrift, type LinearDriftFit, type Measurement } from '@chronotick/tsfm';
import type { ClockStatus } from '@chronotick/protocol';
import { servedSource, type Correction } from './correction';

/** One NTP measurement (a sample, or several combined), as the discipline takes it. */
export interface RoundMeasurement {
  /** Host-clock Unix seconds the offset describes. */
  tS: number;
  /** True − host, seconds. */
  offsetS: number;
  /** Half-width of an interval that certainly holds the true offset (NTP's λ). */
  boundS: number;
  /** Smallest round-trip delay among the samples combined, seconds. */
  delayS: number | null;
  servers: string[];
  /** System covariates at the time of the measurement. */
  covariates?: Readonly<Record<string, number>>;
}

export interface ClockDisciplineSettings {
  /** Measurements kept for fitting and for the models. */
  historyLimit: number;
  /** Most recent measurements the linear fit reads. */
  fitWindow: number;
  /** A measurement older than this (host seconds) means the clock is free-running. */
  freeRunningAfterS: number;
}

/** √3: a bound ±λ on a uniformly distributed error is a sigma of λ/√3. */
const SQRT3 = Math.sqrt(3);

/**
 * Turns NTP measurements into the correction the daemon serves: a delay-weighted,
 * outlier-robust linear fit of offset and drift over recent measurements (tsfm's
 * `fitLinearDrift`). Pure: it is given measurements and instants, never reads a clock.
 *
 * The served sigma is the fit's own sigma with a floor: a constant path asymmetry
 * shifts every measurement alike, so no amount of averaging removes it; its bound is
 * the smallest λ seen, which we count as a uniform error (σ = λ/√3).
 */
export class ClockDiscipline {
  private history: Measurement[] = [];
  /** The fit of the current history; cleared whenever the history changes (it is asked for several times per round). */
  private fitted: LinearDriftFit | null = null;
  private boundsS: number[] = [];

  constructor(private readonly settings: ClockDisciplineSettings) {}

  /** The measurements the models may learn from: measurements only, never forecasts. */
  get measurements(): readonly Measurement[] {
    return this.history;
  }

  get lastMeasurementS(): number | null {
    return this.history.length === 0 ? null : (this.history[this.history.length - 1] as Measurement).tS;
  }

  /** Adds the measurements of one round and returns the correction they lead to. */
  add(measurements: readonly RoundMeasurement[], nowS: number): Correction {
    for (const m of measurements) this.record(m);
    return this.correctionAt(nowS);
  }

  private record(round: RoundMeasurement): void {
    this.fitted = null;
    this.history.push({
      tS: round.tS,
      offsetS: round.offsetS,
      delayS: round.delayS,
      uncertaintyS: round.boundS / SQRT3,
      server: round.servers.join(','),
      ...(round.covariates ? { covariates: round.covariates } : {}),
    });
    this.boundsS.push(round.boundS);
    if (this.history.length > this.settings.historyLimit) {
      this.history.shift();
      this.boundsS.shift();
    }
  }

  /** Restores measurements (from saved state) without counting them as new. */
  restore(measurements: readonly Measurement[], boundsS: readonly number[]): void {
    this.fitted = null;
    this.history = measurements.slice(-this.settings.historyLimit);
    this.boundsS = boundsS.slice(-this.history.length);
  }

  /** The bound (λ) of each measurement, aligned with `measurements`. */
  get bounds(): readonly number[] {
    return this.boundsS;
  }

  /** Forgets everything: after a step of the host clock no old measurement holds. */
  reset(): void {
    this.fitted = null;
    this.history = [];
    this.boundsS = [];
  }

  /** The correction the current history supports, as computed at host time `nowS`. */
  correctionAt(nowS: number): Correction {
    const window = this.history.slice(-this.settings.fitWindow);
    this.fitted ??= fitLinearDrift(window, { maxSamples: this.settings.fitWindow });
    const fit = this.fitted;
    const floorSigmaS = Math.min(...this.boundsS.slice(-this.settings.fitWindow)) / SQRT3;
    const clockStatus = this.clockStatusAt(nowS);
    return {
      refTimeS: fit.refTimeS,
      offsetS: fit.offsetS,
      driftRate: fit.driftSPerS,
      offsetSigmaS: Math.hypot(fit.offsetSigmaS, floorSigmaS),
      driftSigma: fit.driftSigmaSPerS,
      lastMeasurementS: fit.lastSampleTimeS,
      predictionTimeS: nowS,
      source: servedSource('ntp', clockStatus),
      clockStatus,
    };
  }

  /** synchronized while measurements are fresh, free_running once they are not. */
  clockStatusAt(nowS: number): ClockStatus {
    const last = this.lastMeasurementS;
    if (last === null) return 'unknown';
    return nowS - last > this.settings.freeRunningAfterS ? 'free_running' : 'synchronized';
  }
}
