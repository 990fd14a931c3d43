import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBinary, tempDir } from './support/daemon-process';
import { BIN, REPO_ROOT } from './support/paths';

// A typo in the configuration is the newcomer's most likely first mistake: both the
// daemon and `chronotickctl config check` must exit 78 naming the file and the field,
// never pass it (check) or die with a stack trace (daemon).

function writeConfig(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const BAD_SPECS = ['time.google.com:99999', 'host:abc', 'http://x', 'host:0', ' '];

describe('a bad NTP server spec is a configuration error in both binaries', () => {
  const dir = tempDir('ct-config-e2e-');

  test.each(BAD_SPECS)('%j: config check and chronotickd exit 78 naming the file and the field', async (spec) => {
    const file = writeConfig(
      dir,
      `spec-${BAD_SPECS.indexOf(spec)}.yaml`,
      `clock_measurement:\n  ntp:\n    servers: [${JSON.stringify(spec)}]\n`,
    );
    const check = await runBinary(BIN.ctl, ['config', 'check', file]);
    const daemon = await runBinary(BIN.daemon, [
      '--config',
      file,
      '--socket',
      path.join(dir, 'never.sock'),
      '--state-dir',
      path.join(dir, 'state'),
    ]);
    for (const result of [check, daemon]) {
      expect(result.code).toBe(78);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toContain('clock_measurement.ntp.servers.0');
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(check.stdout).toBe('');
    expect(daemon.stderr).toContain(`chronotickctl config check ${file}`);
    expect(fs.existsSync(path.join(dir, 'never.sock'))).toBe(false);
  });
});

describe('chronotickctl config check', () => {
  const dir = tempDir('ct-config-e2e-');

  test('a misspelt key is named with the key it most likely meant, in both binaries', async () => {
    const file = writeConfig(dir, 'typo.yaml', 'clock_measurment:\n  ntp: {}\nfusion:\n  coverge: 0.99\n');
    const check = await runBinary(BIN.ctl, ['config', 'check', file]);
    expect(check.code).toBe(78);
    expect(check.stderr).toContain('clock_measurment: unknown key; did you mean "clock_measurement"?');
    expect(check.stderr).toContain('fusion.coverge: unknown key; did you mean "fusion.coverage"?');
    const daemon = await runBinary(BIN.daemon, ['--config', file, '--socket', path.join(dir, 'never.sock')]);
    expect(daemon.code).toBe(78);
    expect(daemon.stderr).toContain('did you mean "fusion.coverage"?');
  });

  test('applies the environment overrides the daemon would, and names the variable at fault', async () => {
    const file = path.join(REPO_ROOT, 'configs/default.yaml');
    const ok = await runBinary(BIN.ctl, ['config', 'check', file], { CHRONOTICK_WARMUP: '5', CHRONOTICK_NTP_SERVERS: '127.0.0.1:12300' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('CHRONOTICK_WARMUP → clock_measurement.timing.warm_up.duration_seconds');
    expect(ok.stdout).toMatch(/NTP servers: 127\.0\.0\.1:12300$/m);
    expect(ok.stdout).toMatch(/warm-up:\s+5 s$/m);

    const badServer = await runBinary(BIN.ctl, ['config', 'check', file], { CHRONOTICK_NTP_SERVERS: 'host:abc' });
    expect(badServer.code).toBe(78);
    expect(badServer.stderr).toContain('clock_measurement.ntp.servers.0');
    expect(badServer.stderr).toContain('(set by CHRONOTICK_NTP_SERVERS)');
    const badWarmup = await runBinary(BIN.ctl, ['config', 'check'], { CHRONOTICK_WARMUP: 'forever' });
    expect(badWarmup.code).toBe(78);
    expect(badWarmup.stderr).toContain('CHRONOTICK_WARMUP');
  });

  test('without FILE it checks the embedded defaults, as chronotickd without --config runs', async () => {
    const result = await runBinary(BIN.ctl, ['config', 'check']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^embedded defaults: valid$/m);
    expect(result.stdout).toMatch(/environment: none$/m);
  });

  test('--json prints one object on stdout, valid or not, with the same exit status', async () => {
    const good = await runBinary(BIN.ctl, ['config', 'check', '--json'], { CHRONOTICK_WARMUP: '7' });
    expect(good.code).toBe(0);
    const goodJson = JSON.parse(good.stdout) as {
      valid: boolean;
      env_overrides: unknown[];
      config: { clock_measurement: { timing: { warm_up: { duration_seconds: number } } } };
    };
    expect(goodJson.valid).toBe(true);
    expect(goodJson.env_overrides).toEqual([
      { variable: 'CHRONOTICK_WARMUP', fields: ['clock_measurement.timing.warm_up.duration_seconds'] },
    ]);
    expect(goodJson.config.clock_measurement.timing.warm_up.duration_seconds).toBe(7);

    const file = writeConfig(dir, 'bad.yaml', 'logging:\n  levle: debug\n');
    const bad = await runBinary(BIN.ctl, ['config', 'check', file, '--json']);
    expect(bad.code).toBe(78);
    expect(JSON.parse(bad.stdout)).toEqual({
      valid: false,
      source: file,
      code: 'CONFIG_INVALID_VALUE',
      problems: [{ path: 'logging.levle', message: 'unknown key', suggestion: 'logging.level' }],
    });
  });
});
