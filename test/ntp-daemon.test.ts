import * as fs from 'node:fs';
import * as path from 'node:path';
import { startReferenceProcess, type ReferenceProcess } from './support/ntp-reference';
import { percentile, sampleErrors, startDaemonAgainst, waitForStatus } from './support/ntp-daemon';

// End to end: the built daemon measures programmable NTP references on loopback whose
// true offset the test knows, and the test compares the daemon's answers with it. Each
// reference runs in its own process so its timestamps are not delayed by the test's.
//
// The reference is a user-space server: it reads its clock for T2 only after its event
// loop wakes for the packet, which puts its own bias of about +100…+170 µs into every
// exchange (a bare NTP client measures the same). So this test holds the daemon to
// 250 µs against it; the 100 µs target is checked against chronyd, which stamps in the
// kernel (test/ntp-daemon-chronyd.test.ts: p95 ≈ 8 µs here).
const ACCURACY_BOUND_S = 250e-6;

describe('chronotickd against a drifting reference (+50 ms, +50 ppm, 0.2 ms jitter)', () => {
  test('warms up, becomes ready, and serves the true time within its stated interval', async () => {
    const ref = await startReferenceProcess({ initialOffsetS: 0.05, driftPpm: 50, jitterS: 0.0002, seed: 7 });
    const { daemon, client } = await startDaemonAgainst([ref.server], { warmUpS: 10, warmUpIntervalS: 0.2 });
    try {
      const warming = await client.request('get_daemon_status');
      expect(warming.status).toBe('warming_up');
      expect(warming.warmup_progress).toBeLessThan(1);
      const ready = await waitForStatus(client, (s) => s.status === 'ready', 30_000);
      expect(ready.clock_status).toBe('synchronized');
      expect(ready.ntp.servers[0]?.samples).toBeGreaterThan(20);

      const errors = await sampleErrors(client, ref.trueOffsetAt, { count: 200, intervalMs: 25 });
      const p50 = percentile(errors, 0.5);
      const p95 = percentile(errors, 0.95);
      console.log(`reference error: p50 ${(p50 * 1e6).toFixed(1)} µs, p95 ${(p95 * 1e6).toFixed(1)} µs`);
      expect(p95).toBeLessThanOrEqual(ACCURACY_BOUND_S);

      const answer = await client.request('get_time', { include_stats: true });
      expect(answer.source).toBe('ntp');
      // The stats say what the linear fit alone would have served at that instant; with
      // the fit serving, that is the answer itself.
      const stats = answer.detailed_stats as { linear_fit_offset_correction: number; source_weights: Record<string, number> };
      expect(Math.abs(stats.linear_fit_offset_correction - answer.offset_correction)).toBeLessThan(1e-6);
      expect(stats.source_weights.linear).toBe(1);
      // Keyed by source as fusion knows it: models by role, so two roles never share a key.
      expect(Object.keys(stats.source_weights).sort()).toEqual(['hold_last', 'kalman', 'linear', 'long_term', 'short_term']);
      expect(Math.abs(answer.drift_rate - 50e-6)).toBeLessThan(20e-6);
      const trueTime = answer.system_time + ref.trueOffsetAt(answer.system_time);
      expect(answer.earliest).toBeLessThanOrEqual(trueTime);
      expect(answer.latest).toBeGreaterThanOrEqual(trueTime);

      // every correction is in the audit log, as JSON lines
      const audit = fs.readFileSync(path.join(daemon.stateDir, 'audit.jsonl'), 'utf8').trim().split('\n');
      expect(audit.length).toBeGreaterThan(5);
      expect(JSON.parse(audit[audit.length - 1] as string)).toMatchObject({ source: 'ntp', servers: [ref.server] });
    } finally {
      client.close();
      await daemon.stop();
      await ref.close();
    }
  });
});

describe('chronotickd with four references, one lying by +100 ms', () => {
  test('the liar gets no weight and the error matches three honest ones', async () => {
    const honest = await Promise.all(
      [1, 2, 3].map((seed) => startReferenceProcess({ initialOffsetS: 0.02, driftPpm: 10, jitterS: 0.0001, seed })),
    );
    const liar = await startReferenceProcess({ initialOffsetS: 0.12, driftPpm: 10, jitterS: 0.0001, seed: 4 });
    const truth = honest[0] as ReferenceProcess;
    const { daemon, client } = await startDaemonAgainst([...honest, liar].map((r) => r.server));
    try {
      const ready = await waitForStatus(client, (s) => s.status === 'ready', 20_000);
      const liarStatus = ready.ntp.servers.find((s) => s.name === liar.server);
      expect(liarStatus?.weight).toBe(0);
      // The honest ones carry the weight (one may sit out a round after a delay spike).
      const honestWeights = honest.map((h) => ready.ntp.servers.find((s) => s.name === h.server)?.weight ?? 0);
      expect(honestWeights.filter((w) => w > 0).length).toBeGreaterThanOrEqual(2);
      expect(honestWeights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const errors = await sampleErrors(client, truth.trueOffsetAt, { count: 100, intervalMs: 20 });
      expect(percentile(errors, 0.95)).toBeLessThanOrEqual(ACCURACY_BOUND_S);
    } finally {
      client.close();
      await daemon.stop();
      await Promise.all([...honest, liar].map((r) => r.close()));
    }
  });
});

describe('chronotickd when every reference goes silent', () => {
  test('goes free_running with its hard bound widening at least at max drift, and recovers', async () => {
    const ref = await startReferenceProcess({ initialOffsetS: -0.03, driftPpm: -20, jitterS: 0.0001, seed: 11 });
    const { daemon, client } = await startDaemonAgainst([ref.server], {
      extraYaml: '  max_drift_ppm: 50',
      intervalS: 0.5,
    });
    try {
      await waitForStatus(client, (s) => s.status === 'ready', 20_000);
      ref.setFault('silent');
      // free-running after three missed intervals
      const coasting = await waitForStatus(client, (s) => s.clock_status === 'free_running', 15_000);
      expect(coasting.status).toBe('degraded');
      const a = await client.request('get_time');
      await new Promise((r) => setTimeout(r, 2000));
      const b = await client.request('get_time');
      expect(b.source).toBe('holdover');
      expect(b.clock_status).toBe('free_running');
      // The hard bound widens at the maximum drift error (50 ppm each way) at the least;
      // the calibrated σ grows too, by what the drift's uncertainty says.
      const widthS = (x: typeof a): number => (x.hard_latest ?? NaN) - (x.hard_earliest ?? NaN);
      expect(widthS(b) - widthS(a)).toBeGreaterThanOrEqual(2 * 50e-6 * (b.system_time - a.system_time) * 0.999);
      expect(b.time_uncertainty ?? NaN).toBeGreaterThan(a.time_uncertainty ?? NaN);
      const trueTime = b.system_time + ref.trueOffsetAt(b.system_time);
      expect(b.earliest).toBeLessThanOrEqual(trueTime);
      expect(b.latest).toBeGreaterThanOrEqual(trueTime);
      const status = await client.request('get_daemon_status');
      expect(status.ntp.summary).toMatch(/no NTP server answered/);

      ref.setFault('none');
      const back = await waitForStatus(client, (s) => s.clock_status === 'synchronized', 30_000);
      expect(back.status).toBe('ready');
      expect((await client.request('get_time')).source).toBe('ntp');
    } finally {
      client.close();
      await daemon.stop();
      await ref.close();
    }
  }, 90_000);
});
