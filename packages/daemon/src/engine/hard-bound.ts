import type { Measurement } from '@chronotick/tsfm';

/**
 * A hard bound on the true offset, in the manner of ClockBound and chrony's root
 * distance: not a probability but a guarantee, as long as its assumptions hold — every
 * server's own root distance is honest (its time is within rootDelay/2 + rootDispersion
 * of true), and the drift used to carry it forward is off by no more than the stated
 * drift error. Each measurement m says the true offset was within θ_m ± λ_m at t_m
 * (λ: half the round trip plus the server's root distance — no path asymmetry can push
 * it out); carried to t at drift d ± D it becomes θ_m + d(t − t_m) ± (λ_m + D(t − t_m)).
 * All of them hold at once, so the bound is their intersection.
 *
 * The lines share their slopes (d − D below, d + D above), so the intersection is one
 * line on each side: computed once per correction, read in O(1) per answer.
 */
export interface HardBound {
  /** Host-clock seconds the lines are written from. */
  refTimeS: number;
  /** Lower and upper edge of the true offset at refTimeS, seconds. */
  lowS: number;
  highS: number;
  /** Their slopes, s/s: drift minus and plus the drift error. */
  lowSlope: number;
  highSlope: number;
}

/** Newest measurements whose constraints are intersected: older ones have grown loose anyway. */
const WINDOW = 64;

/**
 * The hard bound the measurements support, carried at `driftSPerS` ± `driftErrorSPerS`;
 * null without measurements that have a bound. If the constraints do not intersect (a
 * server's root distance lied, or the drift error was exceeded), the newest one alone.
 */
export function hardBoundOf(history: readonly Measurement[], driftSPerS: number, driftErrorSPerS: number): HardBound | null {
  const bounded = history.slice(-WINDOW).filter((m) => m.boundS !== undefined);
  const newest = bounded[bounded.length - 1];
  if (newest === undefined) return null;
  const refTimeS = newest.tS;
  const lowSlope = driftSPerS - driftErrorSPerS;
  const highSlope = driftSPerS + driftErrorSPerS;
  // Each constraint written at refTimeS (all measurements lie at or before it).
  const lowAt = (m: Measurement): number => m.offsetS - (m.boundS as number) + lowSlope * (refTimeS - m.tS);
  const highAt = (m: Measurement): number => m.offsetS + (m.boundS as number) + highSlope * (refTimeS - m.tS);
  let lowS = -Infinity;
  let highS = Infinity;
  for (const m of bounded) {
    lowS = Math.max(lowS, lowAt(m));
    highS = Math.min(highS, highAt(m));
  }
  if (lowS > highS) {
    lowS = lowAt(newest);
    highS = highAt(newest);
  }
  return { refTimeS, lowS, highS, lowSlope, highSlope };
}

/** The bound's interval on the true offset at host time `tS` (at or after the newest measurement). */
export function hardIntervalAt(bound: HardBound, tS: number): { lowS: number; highS: number } {
  const dtS = Math.max(0, tS - bound.refTimeS);
  return { lowS: bound.lowS + bound.lowSlope * dtS, highS: bound.highS + bound.highSlope * dtS };
}
