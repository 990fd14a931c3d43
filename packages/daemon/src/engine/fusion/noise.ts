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
 * three measurements' noise. Pure.
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
  let sumU2 = 0;
  let sumShape = 0;
  for (let k = 1; k < n - 1 && !allDelays; k++) {
    const a = window[k - 1] as NoisyMeasurement;
    const b = window[k] as NoisyMeasurement;
    const c = window[k + 1] as NoisyMeasurement;
    const span = c.tS - a.tS;
    const f = span > 0 ? (b.tS - a.tS) / span : 0.5;
    const u = b.offsetS - (a.offsetS + f * (c.offsetS - a.offsetS));
    sumU2 += u * u;
    sumShape += (shape[k] as number) + (1 - f) ** 2 * (shape[k - 1] as number) + f ** 2 * (shape[k + 1] as number);
  }
  const scale = allDelays ? 1 / 3 : sumShape > 0 ? sumU2 / sumShape : 0;
  const varianceS2 = shape.map((s) => scale * s + FLOOR_S2);
  const typicalS2 = n > 0 ? varianceS2.reduce((sum, v) => sum + v, 0) / n : FLOOR_S2;
  return { varianceS2, typicalS2 };
}
