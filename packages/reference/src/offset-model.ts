import { SeededRandom } from '@chronotick/tsfm';

/**
 * The reference's clock model: the true offset of a simulated host clock as a pure,
 * seeded function of host time, so a test that knows the parameters and the origin
 * knows the truth — in this process or in another.
 */

export interface OffsetModelParams {
  initialOffsetS?: number;
  driftPpm?: number;
  /** Random-walk wander: standard deviation of the offset after 1 s, growing as √t. */
  wanderSPerSqrtS?: number;
  /** Sinusoidal term (temperature-like cycle). */
  sineAmplitudeS?: number;
  sinePeriodS?: number;
  seed?: number;
}

/**
 * offset(t) for host time t (Unix s), relative to an origin. Pure apart from a
 * memo of the random walk, which is generated on a 1 s grid in order from the
 * seed, so any t always maps to the same value.
 */
export function offsetModel(params: OffsetModelParams, originS: number): (hostS: number) => number {
  const walk: number[] = [0];
  const random = new SeededRandom(params.seed ?? 1);
  const wander = params.wanderSPerSqrtS ?? 0;
  const walkAt = (elapsedS: number): number => {
    if (wander === 0 || elapsedS <= 0) return 0;
    const i = Math.floor(elapsedS);
    while (walk.length < i + 2) walk.push((walk[walk.length - 1] ?? 0) + wander * random.normal());
    const a = walk[i] ?? 0;
    const b = walk[i + 1] ?? a;
    return a + (b - a) * (elapsedS - i);
  };
  return (hostS) => {
    const elapsedS = hostS - originS;
    const sine =
      params.sineAmplitudeS && params.sinePeriodS ? params.sineAmplitudeS * Math.sin((2 * Math.PI * elapsedS) / params.sinePeriodS) : 0;
    return (params.initialOffsetS ?? 0) + (params.driftPpm ?? 0) * 1e-6 * elapsedS + walkAt(elapsedS) + sine;
  };
}
