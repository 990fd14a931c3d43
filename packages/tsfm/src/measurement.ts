/**
 * One clock-offset measurement, the unit every forecaster, the replay harness and the
 * simulator share. Times are Unix seconds read from the host clock (µs resolution);
 * offsets are `reference − host` in seconds, so a positive offset means the host is
 * behind the reference.
 */
export interface Measurement {
  /** Host clock when the measurement was taken, Unix seconds (µs resolution). */
  tS: number;
  /** Measured offset, reference − host, seconds. */
  offsetS: number;
  /** NTP round-trip delay, seconds; null when it was not recorded. */
  delayS: number | null;
  /** One-sigma measurement uncertainty, seconds, when the sampler knows it. */
  uncertaintyS?: number;
  /**
   * Half-width of an interval that certainly holds the true offset (NTP's λ: half the
   * round trip plus the server's root distance), seconds, when the sampler knows it.
   */
  boundS?: number;
  /** Where the measurement came from (`host:port`). */
  server?: string;
  /** The true offset at `tS`; only synthetic series know it. */
  trueOffsetS?: number;
  /**
   * System state when the measurement was taken (e.g. `cpu_load`, `memory_used`,
   * `temperature_c`), for models that use covariates; absent where the host has none.
   */
  covariates?: Readonly<Record<string, number>>;
}

/** A fraction expressed in parts per million, as clock people speak of frequency. */
export const PPM = 1e-6;

/**
 * True when the series is sorted by time (ties allowed). Forecasters check this once
 * so they can skip a sort on the hot path and only copy when the caller did not sort.
 */
export function isTimeOrdered(measurements: readonly Measurement[]): boolean {
  for (let i = 1; i < measurements.length; i++) {
    const prev = measurements[i - 1];
    const cur = measurements[i];
    if (prev !== undefined && cur !== undefined && cur.tS < prev.tS) return false;
  }
  return true;
}

/** The series sorted by time; the input itself when it already is. */
export function timeOrdered(measurements: readonly Measurement[]): readonly Measurement[] {
  return isTimeOrdered(measurements) ? measurements : [...measurements].sort((a, b) => a.tS - b.tS);
}
