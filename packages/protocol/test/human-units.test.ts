import { formatDuration, formatPpm, formatSeconds, formatWarmup } from '../src';

describe('figures for people', () => {
  test('seconds scale to the unit that reads best, never a million microseconds', () => {
    expect(formatSeconds(1.001658)).toBe('1.001658 s');
    expect(formatSeconds(12.2478737)).toBe('12.247874 s');
    expect(formatSeconds(0.0122478)).toBe('12.248 ms');
    expect(formatSeconds(-0.0000421, true)).toBe('-42.1 µs');
    expect(formatSeconds(3e-8, true)).toBe('+30 ns');
    expect(formatSeconds(0, true)).toBe('+0 s');
  });

  test('warm-up reads from the progress: done only at 100%', () => {
    expect(formatWarmup(0.0833, 165.2)).toBe('8% (166 s left)');
    expect(formatWarmup(0.996, 0.7)).toBe('99% (1 s left)');
    expect(formatWarmup(1, 0)).toBe('done');
  });

  test('drift in ppm and durations in days to seconds', () => {
    expect(formatPpm(5.2e-6)).toBe('+5.200 ppm');
    expect(formatDuration(93784)).toBe('1d 2h 3m 4s');
    expect(formatDuration(59.9)).toBe('59s');
  });
});
