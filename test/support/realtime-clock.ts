/**
 * A realtime clock with µs resolution for tests, the demo and the bench:
 * Date.now() (1 ms, CLOCK_REALTIME) anchored at a millisecond edge and
 * extended with process.hrtime (ns, CLOCK_MONOTONIC). Both run at the rate the
 * kernel disciplines, so over a test run they only part if the host clock is
 * stepped, which tests must not do anyway.
 */
export function realtimeClockUs(): () => number {
  // Spin until Date.now() ticks; the edge lies between the two hrtime reads
  // around the read that saw the new millisecond (typically < 1 µs apart).
  const startMs = Date.now();
  let beforeNs = process.hrtime.bigint();
  let ms = Date.now();
  let afterNs = process.hrtime.bigint();
  while (ms === startMs) {
    beforeNs = afterNs;
    ms = Date.now();
    afterNs = process.hrtime.bigint();
  }
  const anchorNs = (beforeNs + afterNs) / 2n;
  const anchorS = ms / 1000;
  return () => anchorS + Number(process.hrtime.bigint() - anchorNs) / 1e9;
}

let shared: (() => number) | null = null;

/** One anchored clock per process, so every party in a test reads the same time. */
export function sharedRealtimeClock(): () => number {
  shared ??= realtimeClockUs();
  return shared;
}
