import * as fs from 'node:fs';
import * as path from 'node:path';
import { NtpReference } from './support/ntp-reference';
import { tempDir } from './support/daemon-process';
import { startDaemonAgainst, waitForStatus } from './support/ntp-daemon';

// What the daemon learned survives a restart: state is saved atomically on SIGTERM
// (and every minute), and a restart with fresh state skips the warm-up.
describe('warm restart from saved state', () => {
  let ref: NtpReference;
  beforeAll(async () => {
    ref = await NtpReference.start({ initialOffsetS: 0.02, driftPpm: 15, jitterS: 0.0001, seed: 5 });
  });
  afterAll(() => ref.close());

  async function runOnce(dir: string, warmUpS: number): Promise<void> {
    const { daemon, client } = await startDaemonAgainst([ref.server], { dir, warmUpS, warmUpIntervalS: 0.2 });
    try {
      await waitForStatus(client, (s) => s.status === 'ready', 30_000);
    } finally {
      client.close();
      expect(await daemon.stop()).toBe(0);
    }
  }

  test('a restart with fresh state is ready in seconds instead of a full warm-up', async () => {
    const dir = tempDir();
    await runOnce(dir, 3);
    const stateFile = path.join(dir, 'state', 'state.json');
    const saved = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    expect(saved.format).toBe(1);
    expect(saved.measurements.length).toBeGreaterThan(5);

    // Same state directory, but a 120 s warm-up: only the saved state can make it ready sooner.
    const { daemon, client } = await startDaemonAgainst([ref.server], { dir, warmUpS: 120 });
    try {
      const ready = await waitForStatus(client, (s) => s.status === 'ready', 10_000);
      expect(ready.clock_status).toBe('synchronized');
      expect(ready.offset_correction).toBeCloseTo(0.02, 2);
      expect(daemon.output()).toContain('restored');
    } finally {
      client.close();
      await daemon.stop();
    }
  });

  test('corrupt or outdated state is ignored with a log line, never a crash', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'state', 'state.json'), '{"format":1,"saved_at":');
    const { daemon, client } = await startDaemonAgainst([ref.server], { dir, warmUpS: 2 });
    try {
      expect((await client.request('get_daemon_status')).status).toBe('warming_up');
      expect(daemon.output()).toMatch(/not using saved state: .*not JSON/);
    } finally {
      client.close();
      await daemon.stop();
    }
    const old = { format: 1, saved_at: Date.now() / 1000 - 86_400, measurements: [], calibration: {} };
    fs.writeFileSync(path.join(dir, 'state', 'state.json'), JSON.stringify(old));
    const second = await startDaemonAgainst([ref.server], { dir, warmUpS: 2 });
    try {
      expect((await second.client.request('get_daemon_status')).status).toBe('warming_up');
      expect(second.daemon.output()).toMatch(/not using saved state: .*s old \(limit 3600 s\)/);
    } finally {
      second.client.close();
      await second.daemon.stop();
    }
  });

  test('state that the clock contradicts (it moved while the daemon was down) is discarded', async () => {
    const dir = tempDir();
    await runOnce(dir, 2);
    const stateFile = path.join(dir, 'state', 'state.json');
    const saved = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    for (const m of saved.measurements) m.offset_s += 5; // as if the host clock had been stepped by 5 s
    fs.writeFileSync(stateFile, JSON.stringify(saved));
    const { daemon, client } = await startDaemonAgainst([ref.server], { dir, warmUpS: 3 });
    try {
      await waitForStatus(client, (s) => s.clock_status === 'disrupted', 5_000);
      const ready = await waitForStatus(client, (s) => s.status === 'ready', 20_000);
      expect(ready.offset_correction).toBeCloseTo(0.02, 2);
      expect(daemon.output()).toContain('saved state disagrees');
    } finally {
      client.close();
      await daemon.stop();
    }
  });
});
