import type { ScenarioReport } from 'chronotickd';
import { describeRuns, runSeeds, SEEDS } from './support/scenarios';

/**
 * The served time against the truth, in simulated time, the way chrony's clknetsim
 * suite checks chronyd: the daemon's whole time path (real sampler, real models, the
 * pipeline) over hours of a simulated clock and network, several seeds, error limits.
 * Limits: the worst seed seen when they were set, with about half again as margin.
 */
function expectTracking(reports: readonly ScenarioReport[], limits: { p95S: number; maxSynchronizedS: number; widthS?: number }): void {
  console.log(describeRuns(reports));
  for (const r of reports) {
    expect(r.error_p95_s).toBeLessThan(limits.p95S);
    expect(r.error_max_synchronized_s).toBeLessThan(limits.maxSynchronizedS);
    // The calibrated intervals: near what they claim (the 95% one held 0.80-0.99 of
    // the time over the scenarios and seeds when these limits were set; issue 14's goal
    // is 0.93-0.97), and no longer tens of milliseconds wide for errors of a hundred µs.
    expect(r.coverage_95).toBeGreaterThanOrEqual(0.78);
    expect(r.coverage_interval).toBeGreaterThanOrEqual(0.96);
    expect(r.mean_width_95_s).toBeLessThan(limits.widthS ?? 1.5e-3);
    // The hard bound is never violated while its assumptions hold (they do here).
    expect(r.hard_bound_misses).toBe(0);
    expect(r.final_clock_status).toBe('synchronized');
  }
}

describe('tracking a drifting clock in simulated time', () => {
  test('steady quartz drift (12 ppm, slow wander), three internet servers', async () => {
    expectTracking(await runSeeds('steady_quartz', SEEDS), { p95S: 500e-6, maxSynchronizedS: 1e-3 });
  }, 120_000);

  test('temperature wander: a 2 h ±4 °C cycle moves the frequency by about a ppm', async () => {
    expectTracking(await runSeeds('temperature_wander', SEEDS), { p95S: 700e-6, maxSynchronizedS: 1.5e-3 });
  }, 120_000);

  test("a VM's fast drift (150 ppm, 1 ppm/√h wander) on a noisy virtual network", async () => {
    expectTracking(await runSeeds('vm_fast_drift', SEEDS), { p95S: 1.5e-3, maxSynchronizedS: 3e-3, widthS: 3.5e-3 });
  }, 120_000);

  test('polling every 10 s', async () => {
    expectTracking(await runSeeds('poll_10s', SEEDS), { p95S: 500e-6, maxSynchronizedS: 1e-3 });
  }, 120_000);

  test('polling every 1024 s (minimum poll 64 s)', async () => {
    expectTracking(await runSeeds('poll_sparse', SEEDS), { p95S: 1e-3, maxSynchronizedS: 2.5e-3, widthS: 2.5e-3 });
  }, 120_000);

  test('a local stratum-1 server on a 100 µs path', async () => {
    expectTracking(await runSeeds('local_server', SEEDS), { p95S: 20e-6, maxSynchronizedS: 30e-6 });
  }, 120_000);
});
