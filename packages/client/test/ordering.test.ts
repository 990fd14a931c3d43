import { commitWaitS, isAfter, isBefore, isSynced, order, type TrueTimeInterval } from '../src/ordering';

const at = (
  earliest: number | null,
  latest: number | null,
  clockStatus: TrueTimeInterval['clockStatus'] = 'synchronized',
): TrueTimeInterval => ({
  earliest,
  latest,
  correctedTime: earliest === null || latest === null ? 0 : (earliest + latest) / 2,
  systemTime: 0,
  clockStatus,
});

describe('ordering over hard intervals', () => {
  test('after/before are true only when the whole interval is past / before', () => {
    expect(isAfter(at(10, 12), 9.9)).toBe(true);
    expect(isAfter(at(10, 12), 10)).toBe(false);
    expect(isBefore(at(10, 12), 12.1)).toBe(true);
    expect(isBefore(at(10, 12), 11)).toBe(false);
  });

  test('no claim (before any measurement) orders nothing and promises no wait', () => {
    expect(isAfter(at(null, null, 'unknown'), 0)).toBe(false);
    expect(isBefore(at(null, null, 'unknown'), 1e12)).toBe(false);
    expect(order(at(null, null, 'unknown'), at(10, 11))).toBe('unknown');
    expect(commitWaitS(at(null, null, 'unknown'), 5)).toBeNull();
  });

  test('two events are ordered only when their intervals do not overlap', () => {
    expect(order(at(1, 2), at(3, 4))).toBe('before');
    expect(order(at(3, 4), at(1, 2))).toBe('after');
    expect(order(at(1, 3), at(2, 4))).toBe('unknown');
  });

  test('commit wait is the distance from earliest to the stamp', () => {
    expect(commitWaitS(at(10, 12), 12)).toBeCloseTo(2, 9);
    expect(commitWaitS(at(10, 12), 9)).toBe(0);
  });

  test('synced: synchronized, with a half-width no wider than asked', () => {
    expect(isSynced(at(10, 10.002))).toBe(true);
    expect(isSynced(at(10, 10.0018), 0.001)).toBe(true);
    expect(isSynced(at(10, 10.004), 0.001)).toBe(false);
    expect(isSynced(at(10, 10.002, 'warming_up'))).toBe(false);
  });
});
