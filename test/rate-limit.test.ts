import { encodeFrame } from '@chronotick/protocol';
import { ChronoTickClient } from '@chronotick/client';
import { startDaemon } from './support/daemon-process';
import { RawConnection } from './support/raw-connection';

describe('per-connection rate limit', () => {
  test('a connection over server.rate_limit_per_second gets CT_RATE_LIMITED; others are served', async () => {
    const daemon = await startDaemon({
      config:
        'clock_measurement:\n  ntp: {servers: ["127.0.0.1:9"]}\n  timing: {warm_up: {duration_seconds: 0}}\nserver:\n  rate_limit_per_second: 50\n',
    });
    try {
      const flood = await RawConnection.open(daemon.socketPath);
      const burst = Buffer.concat(Array.from({ length: 200 }, (_, i) => encodeFrame({ v: 1, id: i, method: 'ping' })));
      flood.write(burst);
      await flood.waitFor(200);
      const codes = flood.responses.map((r) => (r.ok ? 'ok' : (r.error as { code: string }).code));
      const limited = codes.filter((c) => c === 'CT_RATE_LIMITED').length;
      expect(codes.filter((c) => c === 'ok').length).toBeGreaterThanOrEqual(50);
      expect(limited).toBeGreaterThan(100);
      expect(limited + codes.filter((c) => c === 'ok').length).toBe(200);
      const refused = flood.responses.find((r) => !r.ok) as { id: number; error: { hint: string } };
      expect(typeof refused.id).toBe('number');
      expect(refused.error.hint).toContain('rate_limit_per_second');

      // another connection has its own budget
      const polite = new ChronoTickClient({ socketPaths: [daemon.socketPath] });
      await expect(polite.request('get_time')).resolves.toMatchObject({ source: 'system' });
      polite.close();
      flood.close();
    } finally {
      await daemon.stop();
    }
  });
});
