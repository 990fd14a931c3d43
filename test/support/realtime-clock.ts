import { SystemHostClock } from '@chronotick/ntp';
export { sharedRealtimeClock } from '@chronotick/reference';

/** A fresh µs realtime reader: the daemon's own host clock (see SystemHostClock). */
export function realtimeClockUs(): () => number {
  const clock = new SystemHostClock();
  return () => clock.now().realtimeS;
}
