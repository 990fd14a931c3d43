import { startChronyd } from './support/chronyd';
import { percentile, startDaemonAgainst, waitForStatus } from './support/ntp-daemon';

// The daemon against a real NTP server: chronyd on loopback (-x: it never touches the
// clock) serves this host's own clock, so the true offset is exactly zero and the
// daemon's served correction is its error. chronyd stamps packets in the kernel, so
// unlike the user-space reference it adds no timestamping bias of its own.
describe('chronotickd against chronyd on loopback', () => {
  test('serves an offset within 100 µs of the truth (zero) at p95, inside its interval', async () => {
    const chronyd = await startChronyd();
    const { daemon, client } = await startDaemonAgainst([chronyd.server], { warmUpS: 8, warmUpIntervalS: 0.25 });
    try {
      await waitForStatus(client, (s) => s.status === 'ready', 30_000);
      const errors: number[] = [];
      // Answers whose interval missed the truth, whole, so a failure says why.
      const missed: unknown[] = [];
      for (let i = 0; i < 100; i++) {
        const a = await client.request('get_time');
        errors.push(Math.abs(a.offset_correction));
        if (a.earliest === null || a.latest === null || a.earliest > a.system_time || a.system_time > a.latest) missed.push({ i, ...a });
        await new Promise((r) => setTimeout(r, 30));
      }
      const p50 = percentile(errors, 0.5);
      const p95 = percentile(errors, 0.95);
      console.log(`chronyd truth error: p50 ${(p50 * 1e6).toFixed(1)} µs, p95 ${(p95 * 1e6).toFixed(1)} µs`);
      expect(p95).toBeLessThanOrEqual(100e-6);
      expect(missed).toEqual([]);
    } finally {
      client.close();
      await daemon.stop();
      await chronyd.stop();
    }
  });
});
