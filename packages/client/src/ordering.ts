import type { ClockStatus, TimeAnswer, TimeAtAnswer } from '@chronotick/protocol';

/**
 * Event ordering in the manner of TrueTime: an instant is an interval that certainly
 * holds the true time, and two events are ordered only when their intervals do not
 * overlap. The interval is the daemon's hard bound (`hard_earliest`, `hard_latest`):
 * certain as long as the servers are honest and the drift error is within
 * max_drift_ppm — not the calibrated interval, which is right only `coverage` of the
 * time. Pure functions over answers, so a program, a test and the simulator use them
 * alike.
 */
export interface TrueTimeInterval {
  /** The true time is certainly later than this, Unix seconds; null when nothing is claimed yet. */
  earliest: number | null;
  /** The true time is certainly earlier than this; null when nothing is claimed yet. */
  latest: number | null;
  /** Best estimate of the true time, Unix seconds. */
  correctedTime: number;
  /** The host clock reading the interval is for, Unix seconds. */
  systemTime: number;
  clockStatus: ClockStatus;
}

/** The hard interval of a get_time or get_time_at answer. */
export function intervalOf(answer: TimeAnswer | TimeAtAnswer): TrueTimeInterval {
  return {
    earliest: answer.hard_earliest,
    latest: answer.hard_latest,
    correctedTime: answer.corrected_time,
    systemTime: answer.system_time,
    clockStatus: answer.clock_status,
  };
}

/** True only when the whole interval is past `tS` (Unix seconds): `tS` is certainly over. */
export function isAfter(interval: TrueTimeInterval, tS: number): boolean {
  return interval.earliest !== null && interval.earliest > tS;
}

/** True only when the whole interval is before `tS`: `tS` has certainly not come yet. */
export function isBefore(interval: TrueTimeInterval, tS: number): boolean {
  return interval.latest !== null && interval.latest < tS;
}

/** How two stamped events are ordered: `before` (a certainly first), `after`, or `unknown` (the intervals overlap). */
export type Order = 'before' | 'after' | 'unknown';

/** Orders two events by their intervals, which may come from different machines. */
export function order(a: TrueTimeInterval, b: TrueTimeInterval): Order {
  if (a.latest === null || a.earliest === null || b.latest === null || b.earliest === null) return 'unknown';
  if (a.latest < b.earliest) return 'before';
  if (b.latest < a.earliest) return 'after';
  return 'unknown';
}

/**
 * How long to wait, seconds of host clock, until `tS` is certainly past, judged from
 * `interval`: the distance from its earliest end to `tS` (the interval moves with the
 * clock). 0 when it already is; null when the interval claims nothing yet. A caller
 * asks again afterwards, since the bound may have widened meanwhile.
 */
export function commitWaitS(interval: TrueTimeInterval, tS: number): number | null {
  if (interval.earliest === null) return null;
  return isAfter(interval, tS) ? 0 : tS - interval.earliest;
}

/** Half the width of the hard interval: the true time is within ± this of the middle. */
export function halfWidthS(interval: TrueTimeInterval): number | null {
  if (interval.earliest === null || interval.latest === null) return null;
  return (interval.latest - interval.earliest) / 2;
}

/**
 * Synchronized with a hard interval no wider than ±`maxUncertaintyS` (any width when
 * undefined): what waitsync waits for.
 */
export function isSynced(interval: TrueTimeInterval, maxUncertaintyS?: number): boolean {
  if (interval.clockStatus !== 'synchronized') return false;
  const half = halfWidthS(interval);
  if (half === null) return false;
  return maxUncertaintyS === undefined || half <= maxUncertaintyS;
}
