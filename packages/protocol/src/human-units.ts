/**
 * Figures for people, in the unit that reads best. chronotickctl and the MCP adapter's
 * text both use these, so an offset reads the same wherever it is shown; JSON and
 * structured answers always carry plain seconds.
 */

/** Seconds in the unit that reads best: ns, µs, ms or s, with a sign when asked. */
export function formatSeconds(seconds: number, signed = false): string {
  const sign = signed && seconds >= 0 ? '+' : '';
  const abs = Math.abs(seconds);
  if (abs === 0) return `${sign}0 s`;
  if (abs < 1e-6) return `${sign}${(seconds * 1e9).toFixed(0)} ns`;
  if (abs < 1e-3) return `${sign}${(seconds * 1e6).toFixed(1)} µs`;
  if (abs < 1) return `${sign}${(seconds * 1e3).toFixed(3)} ms`;
  return `${sign}${seconds.toFixed(6)} s`;
}

/** A drift rate in parts per million. */
export function formatPpm(rate: number): string {
  const ppm = rate * 1e6;
  return `${ppm >= 0 ? '+' : ''}${ppm.toFixed(3)} ppm`;
}

/** A duration in seconds as `3d 4h 5m 6s`, dropping leading zero units. */
export function formatDuration(totalS: number): string {
  let s = Math.floor(totalS);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (s >= size || parts.length > 0) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  parts.push(`${s}s`);
  return parts.join(' ');
}

/**
 * Warm-up as the daemon measures it: `done`, or `8% (165 s left)`. Read from the
 * progress, not the status: a daemon that has heard no NTP server yet says
 * `unsynchronized` while its warm-up still runs.
 */
export function formatWarmup(progress: number, remainingS: number): string {
  if (progress >= 1) return 'done';
  return `${Math.floor(progress * 100)}% (${Math.ceil(remainingS)} s left)`;
}

/** Shown where an answer claims nothing: before any measurement there is no evidence. */
export const NO_CLAIM = 'none claimed (nothing measured yet)';

/** A σ in the unit that reads best, or {@link NO_CLAIM} when the answer states none. */
export function formatUncertainty(seconds: number | null): string {
  return seconds === null ? NO_CLAIM : formatSeconds(seconds);
}
