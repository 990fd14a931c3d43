import { ErrorCode, ProtocolError } from '@chronotick/protocol';
import { pastInterval, type PastIntervalInput } from '../src/engine/past-interval';

const T0 = 1_800_000_000;
const input = (over: Partial<PastIntervalInput> = {}): PastIntervalInput => ({
  measurements: [
    { tS: T0, offsetS: 0.01, delayS: 0.002, boundS: 0.001, uncertaintyS: 0.0006 },
    { tS: T0 + 100, offsetS: 0.0101, delayS: 0.002, boundS: 0.001, uncertaintyS: 0.0006 },
  ],
  driftSPerS: 1e-6,
  driftSigmaSPerS: 0,
  clockStatus: 'synchronized',
  maxDriftPpm: 50,
  nowS: T0 + 200,
  ...over,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ProtocolError ? err.code : String(err);
  }
  return undefined;
}

describe('pastInterval (get_time_at)', () => {
  test('between two measurements both constrain the reading: tighter than either alone carried', () => {
    const r = pastInterval(input(), T0 + 50);
    // Each alone: ±(1 ms + 50 ppm × 50 s) = ±3.5 ms around its carried offset; their intersection is the same width here,
    // centred between them.
    expect(r.hard_earliest).toBeCloseTo(T0 + 50 + 0.01005 - 0.0035, 6);
    expect(r.hard_latest).toBeCloseTo(T0 + 50 + 0.01005 + 0.0035, 6);
    expect(r.measurements_used).toBe(2);
    expect(r.history_start).toBe(T0);
  });

  test('a reading before the history, or in the future, is CT_OUT_OF_HISTORY; no history is CT_NOT_READY', () => {
    expect(codeOf(() => pastInterval(input(), T0 - 1))).toBe(ErrorCode.OutOfHistory);
    expect(codeOf(() => pastInterval(input(), T0 + 300))).toBe(ErrorCode.OutOfHistory);
    expect(codeOf(() => pastInterval(input({ measurements: [] }), T0))).toBe(ErrorCode.NotReady);
  });

  test('contradicting constraints fall back to the nearest measurement alone', () => {
    const r = pastInterval(
      input({
        measurements: [
          { tS: T0, offsetS: 0, delayS: 0.002, boundS: 0.0001 },
          { tS: T0 + 1, offsetS: 0.5, delayS: 0.002, boundS: 0.0001 },
        ],
      }),
      T0 + 0.9,
    );
    expect(r.measurements_used).toBe(1);
    expect(r.corrected_time).toBeCloseTo(T0 + 0.9 + 0.5, 5);
  });
});
