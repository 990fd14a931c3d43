import { clockStatusOf, daemonStatusOf, next, type ClockEvent, type ClockPhase } from '../src/engine/clock-state';

const measured = (warmingUp: boolean): ClockEvent => ({ type: 'measured', warmingUp });
const tick = (over: Partial<Extract<ClockEvent, { type: 'tick' }>> = {}): ClockEvent => ({
  type: 'tick',
  warmingUp: false,
  stale: false,
  hasEvidence: true,
  ...over,
});

/** Runs a list of events from `from` and returns every phase passed through. */
function walk(from: ClockPhase, events: readonly ClockEvent[]): ClockPhase[] {
  const phases: ClockPhase[] = [];
  let phase = from;
  for (const e of events) {
    phase = next(phase, e);
    phases.push(phase);
  }
  return phases;
}

describe('the clock state machine', () => {
  test('first measurements during warm-up, then synchronized once warm-up is over', () => {
    expect(walk('unknown', [tick({ warmingUp: true, hasEvidence: false }), measured(true), measured(true), tick()])).toEqual([
      'unknown',
      'warming_up',
      'warming_up',
      'synchronized',
    ]);
  });

  test('stale measurements mean free running; a fresh one synchronizes again', () => {
    expect(walk('synchronized', [tick({ stale: true }), tick({ stale: true }), measured(false)])).toEqual([
      'free_running',
      'free_running',
      'synchronized',
    ]);
  });

  test('a host clock step disrupts from any phase, and only the end of a new warm-up with evidence clears it', () => {
    for (const from of ['unknown', 'restored', 'warming_up', 'synchronized', 'free_running', 'disrupted'] as const) {
      expect(next(from, { type: 'host_step' })).toBe('disrupted');
    }
    expect(
      walk('disrupted', [tick({ warmingUp: true, hasEvidence: false }), measured(true), tick({ warmingUp: true }), measured(false)]),
    ).toEqual(['disrupted', 'disrupted', 'disrupted', 'synchronized']);
    // Warm-up over and still nothing measured: no evidence of anything any more.
    expect(next('disrupted', tick({ hasEvidence: false }))).toBe('unknown');
  });

  test('restored state waits for a fresh measurement to confirm or refute it', () => {
    expect(walk('unknown', [{ type: 'restored' }, tick(), measured(false), { type: 'restore_confirmed' }])).toEqual([
      'restored',
      'restored',
      'restored',
      'synchronized',
    ]);
    expect(walk('unknown', [{ type: 'restored' }, { type: 'restore_refuted' }, measured(true)])).toEqual([
      'restored',
      'disrupted',
      'disrupted',
    ]);
  });

  test('what answers and the status say in each phase', () => {
    expect(clockStatusOf('restored')).toBe('free_running');
    expect(clockStatusOf('warming_up')).toBe('warming_up');
    expect(daemonStatusOf('unknown', true)).toBe('warming_up');
    expect(daemonStatusOf('unknown', false)).toBe('unsynchronized');
    expect(daemonStatusOf('restored', false)).toBe('warming_up');
    expect(daemonStatusOf('synchronized', false)).toBe('ready');
    expect(daemonStatusOf('free_running', false)).toBe('degraded');
    expect(daemonStatusOf('disrupted', false)).toBe('warming_up');
  });
});
