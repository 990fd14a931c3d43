import type { ScenarioReport } from 'chronotickd';
import { describeRuns, runSeeds, SEEDS } from './support/scenarios';

/**
 * Steps of the host clock in simulated time, instead of an end-to-end test that waits
 * seconds for a shifted clock: the step is seen at once (by the next answer, not the
 * next tick), the clock says disrupted while it warms up again, the interval holds the
 * truth throughout, and tracking resumes.
 */
function expectRecovered(reports: readonly ScenarioReport[]): void {
  console.log(describeRuns(reports));
  for (const r of reports) {
    const disruptedS = r.status_s.disrupted ?? 0;
    expect(disruptedS).toBeGreaterThan(0);
    // Disrupted for about one warm-up (600 s), not for the rest of the run.
    expect(disruptedS).toBeLessThanOrEqual(1200);
    expect(r.coverage_interval).toBeGreaterThanOrEqual(0.99);
    expect(r.hard_bound_misses).toBe(0);
    expect(r.error_max_synchronized_s).toBeLessThan(1e-3);
    expect(r.error_p95_s).toBeLessThan(500e-6);
    expect(r.final_clock_status).toBe('synchronized');
  }
}

describe('a step of the host clock in simulated time', () => {
  test('realtime set 50 ms ahead: disrupted, the history discarded, synchronized again', async () => {
    expectRecovered(await runSeeds('host_step', SEEDS));
  }, 120_000);

  test('a 20-minute suspend shows as a step and is handled as one', async () => {
    expectRecovered(await runSeeds('suspend_resume', SEEDS));
  }, 120_000);
});
