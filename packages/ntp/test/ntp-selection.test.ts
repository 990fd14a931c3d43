import { selectAndCombine, type SelectionInput } from '../src/selection';

const s = (server: string, offsetS: number, uncertaintyS = 0.001, leap: 0 | 1 | 2 = 0): SelectionInput => ({
  server,
  offsetS,
  uncertaintyS,
  leap,
});

describe('selectAndCombine', () => {
  test('no samples is reported, not guessed', () => {
    expect(selectAndCombine([])).toEqual({ ok: false, reason: 'no_samples' });
  });

  test('one server lying by +100 ms among four honest ones gets zero weight', () => {
    const honest = [s('a', 0.0002), s('b', -0.0001), s('c', 0.0003, 0.002), s('d', 0.0)];
    const withLiar = selectAndCombine([...honest, s('liar', 0.1)]);
    const without = selectAndCombine(honest);
    expect(withLiar.ok && without.ok).toBe(true);
    if (!withLiar.ok || !without.ok) return;
    expect(withLiar.weights['liar']).toBe(0);
    expect(withLiar.falsetickers).toEqual(['liar']);
    expect(withLiar.survivors.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(withLiar.method).toBe('intersection');
    // Exactly the answer without the liar.
    expect(withLiar.offsetS).toBe(without.offsetS);
    expect(withLiar.uncertaintyS).toBe(without.uncertaintyS);
  });

  test('a liar among three honest servers is also excluded', () => {
    const r = selectAndCombine([s('a', 0.0001), s('b', 0.0), s('c', -0.0002), s('liar', 0.1)]);
    expect(r.ok && r.weights['liar']).toBe(0);
  });

  test('survivors are weighted by 1/λ²', () => {
    const r = selectAndCombine([s('tight', 0.0, 0.001), s('loose', 0.001, 0.002)]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // weights 1/1e-6 and 1/4e-6 -> 0.8 and 0.2
    expect(r.weights['tight']).toBeCloseTo(0.8, 10);
    expect(r.weights['loose']).toBeCloseTo(0.2, 10);
    expect(r.offsetS).toBeCloseTo(0.0002, 10);
    // sqrt(1/Σw + spread) with Σw = 1.25e6 and spread 0.8*(2e-4)^2 + 0.2*(8e-4)^2 = 1.6e-7
    expect(r.uncertaintyS).toBeCloseTo(Math.sqrt(0.8e-6 + 1.6e-7), 10);
  });

  test('a single server is its own majority', () => {
    const r = selectAndCombine([s('only', 0.25, 0.01)]);
    expect(r).toMatchObject({ ok: true, offsetS: 0.25, survivors: ['only'], method: 'intersection' });
  });

  test('two liars agreeing with each other do not outvote three honest servers', () => {
    const r = selectAndCombine([s('a', 0), s('b', 0.0005), s('c', -0.0005), s('x', 0.2), s('y', 0.2005)]);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.falsetickers.sort()).toEqual(['x', 'y']);
      expect(Math.abs(r.offsetS)).toBeLessThan(0.001);
    }
  });

  test('without a majority the median decides', () => {
    // Three servers, none agreeing: no point is shared by two intervals.
    const r = selectAndCombine([s('a', 0), s('b', 0.05), s('c', 0.1)]);
    expect(r).toMatchObject({ ok: true, method: 'median', survivors: ['b'] });
  });

  test('two disagreeing servers: no majority, the median falls back to the tighter one', () => {
    const r = selectAndCombine([s('a', 0, 0.001), s('b', 0.1, 0.002)]);
    expect(r).toMatchObject({ ok: true, method: 'median', survivors: ['a'] });
    // Disagreement shows in the uncertainty: half the 100 ms gap, not a's 1 ms.
    if (r.ok) expect(r.uncertaintyS).toBeCloseTo(0.05, 6);
  });

  test('intervals that only touch still share a point', () => {
    const r = selectAndCombine([s('a', 0, 0.001), s('b', 0.002, 0.001), s('c', 0.5)]);
    expect(r).toMatchObject({ ok: true, method: 'intersection', falsetickers: ['c'] });
  });

  test('a zero uncertainty cannot take infinite weight', () => {
    const r = selectAndCombine([s('a', 0, 0), s('b', 0.0000005, 0.001)]);
    expect(r.ok && Number.isFinite(r.offsetS) && Number.isFinite(r.uncertaintyS)).toBe(true);
  });

  test('agreeing leap indicators are passed on', () => {
    const r = selectAndCombine([s('a', 0, 0.001, 1), s('b', 0, 0.001, 1)]);
    expect(r).toMatchObject({ ok: true, leap: 1, leapConflict: false, leapVotes: { 1: 2 } });
  });

  test('disagreement about a leap is reported, never silently mixed', () => {
    const r = selectAndCombine([s('a', 0, 0.001, 1), s('b', 0, 0.001, 0), s('c', 0, 0.001, 0)]);
    expect(r).toMatchObject({ ok: true, leap: null, leapConflict: true, leapVotes: { 0: 2, 1: 1 } });
  });
});
