import { SystemHostClock } from '../../packages/daemon/src/clock/host-clock';

/**
 * A realtime clock with µs resolution for tests, the demo and the bench: the daemon's
 * own host clock reader (Date.now() anchored at a millisecond edge and extended with
 * the monotonic clock), so the reference and the daemon read time the same way.
 */
export function realtimeClockUs(): () => number {
  const clock = new SystemHostClock();
  return () => clock.now().realtimeS;
}

let shared: (() => number) | null = null;

/** One anchored clock per process, so every party in a test reads the same time. */
export function sharedRealtimeClock(): () => number {
  shared ??= realtimeClockUs();
  return shared;
}
