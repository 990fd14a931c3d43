import * as path from 'node:path';
import { ChronoTickClient } from '@chronotick/client';
import { parseConfigText } from '@chronotick/config';
import { Daemon } from '../packages/daemon/src/daemon';
import { ShiftableHostClock } from '@chronotick/ntp';
import { createLogger } from '../packages/daemon/src/log';
import { NtpReference } from './support/ntp-reference';
import { tempDir } from './support/daemon-process';
import { waitForStatus } from './support/ntp-daemon';

// A step of the host clock (suspend/resume, `date -s`) seen through the daemon's
// injectable clock: the real system clock is never touched.
describe('a step of the host clock', () => {
  test('marks the clock disrupted, discards the old measurements, and recovers on new ones', async () => {
    const ref = await NtpReference.start({ initialOffsetS: 0.01, driftPpm: 5, jitterS: 0.00005, seed: 3 });
    const dir = tempDir();
    const clock = new ShiftableHostClock();
    const config = parseConfigText(
      [
        'clock_measurement:',
        `  ntp: {servers: ["${ref.server}"], timeout_seconds: 0.3, min_poll_seconds: 0.2}`,
        '  timing:',
        '    warm_up: {duration_seconds: 2, measurement_interval: 0.25}',
        '    normal_operation: {measurement_interval: 0.5}',
      ].join('\n'),
      'test',
    );
    const daemon = new Daemon({
      config,
      socketPath: path.join(dir, 'd.sock'),
      stateDir: path.join(dir, 'state'),
      logger: createLogger({ level: 'error', format: 'text' }),
      clock,
    });
    await daemon.start();
    const client = new ChronoTickClient({ socketPaths: [path.join(dir, 'd.sock')] });
    try {
      await waitForStatus(client, (s) => s.status === 'ready', 15_000);
      const before = await client.request('get_time');
      expect(before.offset_correction).toBeCloseTo(0.01, 3);

      clock.stepRealtime(30); // the host clock jumps 30 s ahead
      const disrupted = await waitForStatus(client, (s) => s.clock_status === 'disrupted', 5_000);
      expect(disrupted.status).toBe('warming_up');
      const during = await client.request('get_time');
      expect(during.clock_status).toBe('disrupted');
      // even while disrupted the interval holds the true time (host clock now 30 s ahead)
      const trueDuring = during.system_time - 30 + ref.trueOffsetAt(during.system_time - 30);
      expect(during.earliest).toBeLessThanOrEqual(trueDuring);
      expect(during.latest).toBeGreaterThanOrEqual(trueDuring);

      const recovered = await waitForStatus(client, (s) => s.clock_status === 'synchronized', 15_000);
      expect(recovered.offset_correction).toBeCloseTo(0.01 - 30, 3);
      const after = await client.request('get_time');
      // corrected time is still the true time, although the host clock is 30 s off
      expect(after.corrected_time - (after.system_time - 30 + ref.trueOffsetAt(after.system_time - 30))).toBeLessThan(0.002);
    } finally {
      client.close();
      await daemon.stop();
      await ref.close();
    }
  }, 60_000);
});
