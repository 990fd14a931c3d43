/** A measurement as calibration sees it: when, what it read, and its round trip. */
export interface NoisyMeasurement {
  tS: number;
  offsetS: number;
  delayS: number | null;
  /** Where it came from: each path has its own minimum delay. */
  server: string;
}

/** Per-measurement noise variances of a window, and that of a typical next measurement. */
export interface NoiseModel {
  /** Variance of each measurement's error about the true offset, s². */
  varianceS2: number[];
  /** Variance of a typical measurement of the window, s²: what the next one will carry. */
  typicalS2: number;
}

/** Timestamping noise no measurement is free of, s² ((1 µs)²). */
const FLOOR_S2 = 1e-12;

/**
 * How noisy each measurement of a time-ordered window is. An NTP offset's error is
 * half its path asymmetry, which queueing shows as delay above that path's minimum:
 * the error lies within ±(delay − min delay)/2, and queueing alike in both directions
 * spreads it evenly there, so its variance is a third of that bound squared (the
 * same λ/√3 the clock discipline uses). Without delays all measurements are alike,
 * and the level comes from the data, from the second differences
 * x_k − interp(x_{k−1}, x_{k+1}): they cancel offset and drift and leave only the
 * three measurements' noise (their mean winsorized, so that a step of the clock inside
 * the window does not read as noise). Pure.
 *
 * Each server's minimum is best taken over a longer memory than the window
 * (`pathMinDelayS`): a window's quietest exchange still queued a little, and the noise
 * of exactly those exchanges, which calibration leans on most, would be taken for
 * prediction error. Per server, because a distant server's extra round trip is
 * propagation, not asymmetry.
 */
export function measurementNoise(window: readonly NoisyMeasurement[], pathMinDelayS: ReadonlyMap<string, number> = new Map()): NoiseModel {
  const n = window.length;
  const allDelays = window.every((m) => m.delayS !== null);
  const minDelayS = new Map(pathMinDelayS);
  if (allDelays) for (const m of window) minDelayS.set(m.server, Math.min(minDelayS.get(m.server) ?? Infinity, m.delayS as number));
  const shape = window.map((m) => (allDelays ? (((m.delayS as number) - (minDelayS.get(m.server) as number)) / 2) ** 2 : 1));
  // Each second difference over the noise it carries, in units of the noise scale.
  const ratios: number[] = [];
  for (let k = 1; k < n - 1 && !allDelays; k++) {
    const a = window[k - 1] as NoisyMeasurement;
    const b = window[k] as NoisyMeasurement;
    const c = window[k + 1] as NoisyMeasurement;
    const span = c.tS - a.tS;
    const f = span > 0 ? (b.tS - a.tS) / span : 0.5;
    const u = b.offsetS - (a.offsetS + f * (c.offsetS - a.offsetS));
    const carried = (shape[k] as number) + (1 - f) ** 2 * (shape[k - 1] as number) + f ** 2 * (shape[k + 1] as number);
    if (carried > 0) ratios.push((u * u) / carried);
  }
  const scale = allDelays ? 1 / 3 : winsorizedMean(ratios);
  const varianceS2 = shape.map((s) => scale * s + FLOOR_S2);
  const typicalS2 = n > 0 ? varianceS2.reduce((sum, v) => sum + v, 0) / n : FLOOR_S2;
  return { varianceS2, typicalS2 };
}

/** Median of a χ² variable with one degree of freedom: a normal square's median over its mean. */
const CHI2_1_MEDIAN = 0.4549;
/** Squared second differences count at most this many times the typical one (5σ). */
const WINSOR_LIMIT = 25;

/**
 * Mean of squared-normal-like values, each capped at 25 times the level their median
 * implies: heavy tails still count, but a step of the clock inside the window (two huge
 * second differences) cannot pass for the noise of every measurement.
 */
function winsorizedMean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  // Quantized or noiseless data can make most of them exactly 0: then no cap.
  const cap = (WINSOR_LIMIT * (sorted[sorted.length >> 1] as number)) / CHI2_1_MEDIAN || Infinity;
  return values.reduce((sum, v) => sum + Math.min(v, cap), 0) / values.length;
}
