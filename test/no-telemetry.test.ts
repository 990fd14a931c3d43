import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DaemonStatusAnswerSchema } from '@chronotick/protocol';
import { cleanEnv, runBinary, startDaemon, tempDir } from './support/daemon-process';
import { BIN, REPO_ROOT } from './support/paths';

// A time daemon must not phone home. onnxruntime-node 1.30 writes a device id and a
// telemetry queue to $XDG_CACHE_HOME (else ~/.cache)/Microsoft/DeveloperTools/.onnxruntime
// unless ORT_DISABLE_TELEMETRY is set when it loads; @chronotick/tsfm sets it. Each
// program that runs a model runs here under a scratch $HOME and cache, which must stay
// empty of it.

const EVAL_BIN = path.join(REPO_ROOT, 'packages/daemon/bin/chronotick-eval.js');
const SHIPPED_MODEL = path.join(REPO_ROOT, 'packages/tsfm/models/chronotick-short.onnx');

/** A scratch home and cache, in this process's environment (without the switches, see beforeAll). */
function scratch(): { home: string; cache: string; env: Record<string, string> } {
  const dir = tempDir('ct-telemetry-');
  const home = path.join(dir, 'home');
  const cache = path.join(dir, 'cache');
  fs.mkdirSync(home);
  fs.mkdirSync(cache);
  const env = cleanEnv({ HOME: home, XDG_CACHE_HOME: cache }) as Record<string, string>;
  return { home, cache, env };
}

/** Every path under the scratch home and cache that onnxruntime's telemetry would write. */
function telemetryWritten(where: { home: string; cache: string }): string[] {
  return [path.join(where.home, '.cache', 'Microsoft'), path.join(where.cache, 'Microsoft')].filter((p) => fs.existsSync(p));
}

describe('onnxruntime telemetry stays off', () => {
  // The programs must turn it off themselves, not inherit the switch from whoever runs
  // the tests (startDaemon and runBinary pass this process's environment on). The
  // runtime also stays quiet when CI is set (`CI=true .ci/run` showed it), which would
  // make every check here pass for the wrong reason.
  const QUIETING = ['ORT_DISABLE_TELEMETRY', 'CI'];
  const saved = new Map<string, string | undefined>();
  beforeAll(() => {
    for (const name of QUIETING) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
  });
  afterAll(() => {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  });

  test('control: the runtime on its own does write it here, so the checks below can fail', () => {
    const where = scratch();
    const script = `require('onnxruntime-node').InferenceSession.create(${JSON.stringify(SHIPPED_MODEL)}).then(() => console.log('loaded'))`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: path.join(REPO_ROOT, 'packages/tsfm'), env: where.env, encoding: 'utf8' });
    expect(r.stdout).toContain('loaded');
    expect(telemetryWritten(where)).toEqual([path.join(where.cache, 'Microsoft')]);
  });

  test('chronotickd loads both models and leaves no telemetry behind', async () => {
    const where = scratch();
    const daemon = await startDaemon({ env: { ...where.env, CHRONOTICK_NTP_SERVERS: '127.0.0.1:9', CHRONOTICK_WARMUP: '0' } });
    try {
      // The models load just after the socket opens; wait until the status says so.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const status = await runBinary(BIN.ctl, ['--socket', daemon.socketPath, 'status', '--json']);
        const models = DaemonStatusAnswerSchema.parse(JSON.parse(status.stdout)).models;
        if (models.length > 0 && models.every((m) => m.loaded)) break;
        if (Date.now() > deadline) throw new Error(`models not loaded after 20 s:\n${daemon.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
    expect(telemetryWritten(where)).toEqual([]);
  });

  test('chronotick-eval runs the ONNX models and leaves no telemetry behind', async () => {
    const where = scratch();
    const r = await runBinary(EVAL_BIN, ['--data', path.join(REPO_ROOT, 'data/recorded/ares11-2h.csv'), '--json'], where.env);
    expect(r.code).toBe(0);
    expect(Object.keys((JSON.parse(r.stdout) as { methods: object }).methods)).toContain('chronotick_long');
    expect(telemetryWritten(where)).toEqual([]);
  });
});
