import { describeRuns, runSeeds, SEEDS } from './support/scenarios';

describe('a leap second with a smearing, a stepping and an unaware server', () => {
  test('follows the server that announces it, sets the others aside, and serves UTC', async () => {
    const reports = await runSeeds('leap_smear_mix', SEEDS);
    console.log(describeRuns(reports));
    for (const r of reports) {
      // sim-a smears, sim-b steps (LI=1 the day before), sim-c ignores the leap.
      expect(r.leap_window).toEqual({
        leap_at: expect.any(Number),
        following: 'announcing',
        set_aside: ['sim-a.example:123', 'sim-c.example:123'],
      });
      expect((r.leap_window?.leap_at ?? 0) % 86_400).toBe(0);
      // After the window the unaware server, a second off, is a falseticker.
      expect(r.servers.find((s) => s.name === 'sim-c.example:123')?.share).toBe(0);
      // Scored against UTC (which repeats the leap second): only the leap second itself
      // is off, held rather than stepped back, and inside the interval.
      expect(r.error_p95_s).toBeLessThan(600e-6);
      expect(r.coverage_interval).toBeGreaterThanOrEqual(0.999);
      expect(r.hard_bound_misses).toBe(0);
    }
  }, 180_000);
});
