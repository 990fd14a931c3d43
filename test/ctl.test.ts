import * as fs from 'node:fs';
import * as path from 'node:path';
import { DaemonStatusAnswerSchema, TimeAnswerSchema } from '@chronotick/protocol';
import { startDaemon, runBinary, tempDir, type RunningDaemon } from './support/daemon-process';
import { BIN, REPO_ROOT } from './support/paths';

describe('chronotickctl against a running daemon', () => {
  let daemon: RunningDaemon;
  beforeAll(async () => {
    daemon = await startDaemon();
  });
  afterAll(async () => {
    await daemon.stop();
  });

  test('status --json prints the daemon status as valid JSON', async () => {
    const result = await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'status', '--json']);
    expect(result.code).toBe(0);
    const status = DaemonStatusAnswerSchema.parse(JSON.parse(result.stdout));
    expect(status.pid).toBe(daemon.process.pid);
  });

  test('status prints aligned text for people', async () => {
    const result = await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'status']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Status\s+unsynchronized \(clock unknown\)$/m);
    expect(result.stdout).toMatch(/^Offset\s+\+0 s ± /m);
    expect(result.stdout).toContain('SERVER');
    expect(result.stdout).toMatch(/^residual_ar\s+short_term/m);
  });

  test('time and time --json', async () => {
    const text = await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'time']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Corrected\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/m);
    const json = await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'time', '--json']);
    expect(TimeAnswerSchema.parse(JSON.parse(json.stdout)).source).toBe('system');
  });

  test('sources lists each configured server; --json gives the ntp block', async () => {
    const text = await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'sources']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^SERVER\s+ADDRESS\s+STATE\s+REACH/m);
    expect(text.stdout).toContain('REACH: the last 8 polls in octal, newest last (377 = all answered, 000 = none)');
    const json = JSON.parse((await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'sources', '--json'])).stdout);
    expect(Array.isArray(json.servers)).toBe(true);
    expect(typeof json.summary).toBe('string');
  });

  test('watch prints one plain line per refresh when not on a terminal', async () => {
    const result = await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'watch', '--interval', '0.05', '--count', '3']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT.* unsynchronized clock=unknown offset=/);
  });

  test('CHRONOTICK_SOCKET is honoured when --socket is absent', async () => {
    const result = await runBinary(BIN.ctl, ['time', '--json'], { CHRONOTICK_SOCKET: daemon.socketPath });
    expect(result.code).toBe(0);
  });
});

describe('chronotickctl during warm-up', () => {
  test('status and watch show the warm-up the JSON reports, even while no server answers', async () => {
    // 127.0.0.1:9 never answers: after its first round the daemon says `unsynchronized`
    // while the warm-up still runs, which status once showed as "Warm-up done".
    const daemon = await startDaemon({ env: { CHRONOTICK_WARMUP: '180' } });
    try {
      const json = DaemonStatusAnswerSchema.parse(
        JSON.parse((await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'status', '--json'])).stdout),
      );
      expect(json.warmup_progress).toBeLessThan(1);
      const text = (await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'status'])).stdout;
      const shown = /^Warm-up\s+(\d+)% \((\d+) s left\)$/m.exec(text);
      expect(shown).not.toBeNull();
      // Read a moment after the JSON: the same warm-up, a little further on.
      expect(Number(shown?.[1])).toBeGreaterThanOrEqual(Math.floor(json.warmup_progress * 100));
      expect(Number(shown?.[2])).toBeLessThanOrEqual(Math.ceil(json.warmup_remaining_seconds));
      expect(Number(shown?.[2])).toBeGreaterThan(100);
      const watch = await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'watch', '--count', '1']);
      expect(watch.stdout).toMatch(/ warm-up \d+% \(\d+ s left\) clock=/);
    } finally {
      await daemon.stop();
    }
  });
});

describe('chronotickctl without a daemon', () => {
  test('says the daemon is not running, how to start it, and exits 3', async () => {
    const socketPath = path.join(tempDir(), 'nobody.sock');
    const result = await runBinary(BIN.ctl, ['--socket', socketPath, 'status']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('not running');
    expect(result.stderr).toContain(socketPath);
    expect(result.stderr).toContain('systemctl start chronotick-mcp');
  });

  test('without --socket it names every path it tried', async () => {
    const runtimeDir = tempDir();
    const result = await runBinary(BIN.ctl, ['status'], { XDG_RUNTIME_DIR: runtimeDir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(path.join(runtimeDir, 'chronotick', 'chronotickd.sock'));
    expect(result.stderr).toContain('/run/chronotick/chronotickd.sock');
  });

  test('config check validates a file without a daemon: 0 when valid, 78 naming the field when not', async () => {
    const good = await runBinary(BIN.ctl, ['config', 'check', path.join(REPO_ROOT, 'configs/default.yaml')]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('valid');
    const dir = tempDir();
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'fusion:\n  coverage: 2\nclock_measurement:\n  ntp:\n    servers: []\n');
    const bad = await runBinary(BIN.ctl, ['config', 'check', file]);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain(file);
    expect(bad.stderr).toContain('fusion.coverage');
    expect(bad.stderr).toContain('clock_measurement.ntp.servers');
    expect((await runBinary(BIN.ctl, ['config', 'check', path.join(dir, 'missing.yaml')])).code).toBe(78);
    expect((await runBinary(BIN.ctl, ['config', 'check', 'a.yaml', 'b.yaml'])).code).toBe(2);
  });

  test('usage errors exit 2', async () => {
    expect((await runBinary(BIN.ctl, [])).code).toBe(2);
    expect((await runBinary(BIN.ctl, ['frobnicate'])).code).toBe(2);
    expect((await runBinary(BIN.ctl, ['--bogus', 'status'])).code).toBe(2);
  });
});
