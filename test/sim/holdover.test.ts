import { describeRuns, runSeeds, SEEDS } from './support/scenarios';

describe('a 30-minute NTP outage in simulated time', () => {
  test('free running on the last estimate through it, the interval still holding, synchronized after', async () => {
    const reports = await runSeeds('ntp_outage_30min', SEEDS);
    console.log(describeRuns(reports));
    for (const r of reports) {
      // Free running from three missed polls into the outage until the first reply after it.
      expect(r.status_s.free_running ?? 0).toBeGreaterThanOrEqual(1500);
      expect(r.status_s.free_running ?? 0).toBeLessThanOrEqual(1800);
      expect(r.coverage_interval).toBeGreaterThanOrEqual(0.99);
      expect(r.coverage_95).toBeGreaterThanOrEqual(0.9);
      expect(r.hard_bound_misses).toBe(0);
      expect(r.error_max_s).toBeLessThan(3e-3);
      expect(r.error_p95_s).toBeLessThan(700e-6);
      expect(r.final_clock_status).toBe('synchronized');
    }
  }, 120_000);
});
