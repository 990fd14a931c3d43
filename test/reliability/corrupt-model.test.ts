import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChronoTickClient } from '@chronotick/client';
import { REPO_ROOT } from '../support/paths';
import { startDaemon, tempDir } from '../support/daemon-process';

// A corrupt ONNX file in the daemon: a clear status naming the file, the configured
// fallback (or none), and the daemon keeps serving time. The model is a copy of the
// shipped short-term model with one byte flipped, referenced by its card path.
function corruptCopy(dir: string): string {
  const models = path.join(REPO_ROOT, 'packages/tsfm/models');
  fs.copyFileSync(path.join(models, 'chronotick-short.card.json'), path.join(dir, 'chronotick-short.card.json'));
  const onnx = fs.readFileSync(path.join(models, 'chronotick-short.onnx'));
  const middle = Math.floor(onnx.length / 2);
  onnx[middle] = (onnx[middle] as number) ^ 0xff;
  fs.writeFileSync(path.join(dir, 'chronotick-short.onnx'), onnx);
  return path.join(dir, 'chronotick-short.card.json');
}

async function statusWhenLoaded(socketPath: string): Promise<Record<string, unknown>[]> {
  const client = new ChronoTickClient({ socketPaths: [socketPath] });
  try {
    for (let i = 0; i < 100; i++) {
      const status = await client.request('get_daemon_status');
      // Both roles: the corrupt one fails at once, the other may still be loading on a busy machine.
      if (status.models.every((m) => (m as Record<string, unknown>).problem !== 'loading')) {
        await expect(client.request('get_time')).resolves.toMatchObject({ corrected_time: expect.any(Number) });
        return status.models as Record<string, unknown>[];
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the model never finished loading');
  } finally {
    client.close();
  }
}

describe('a corrupt ONNX model in the daemon', () => {
  test('without a fallback: the role is off, the status names the file and the checksum, time is served', async () => {
    const card = corruptCopy(tempDir());
    const daemon = await startDaemon({
      config: `clock_measurement: {ntp: {servers: ["127.0.0.1:9"]}}\nshort_term: {model_name: "${card}"}\n`,
    });
    try {
      const models = await statusWhenLoaded(daemon.socketPath);
      const short = models.find((m) => m.role === 'short_term');
      expect(short).toMatchObject({ loaded: false, weight: 0 });
      expect(String(short?.problem)).toContain('chronotick-short.onnx');
      expect(String(short?.problem)).toMatch(/sha256|checksum/i);
      expect(models.find((m) => m.role === 'long_term')).toMatchObject({ loaded: true });
      expect(daemon.output()).toMatch(/short_term: cannot load/);
    } finally {
      await daemon.stop();
    }
  });

  test('with fallback_model: kalman the role runs the statistical model instead, and says why in the log', async () => {
    const card = corruptCopy(tempDir());
    const daemon = await startDaemon({
      config: `clock_measurement: {ntp: {servers: ["127.0.0.1:9"]}}\nshort_term: {model_name: "${card}", fallback_model: kalman}\n`,
    });
    try {
      const models = await statusWhenLoaded(daemon.socketPath);
      expect(models.find((m) => m.role === 'short_term')).toMatchObject({ loaded: true, name: 'kalman' });
      expect(daemon.output()).toMatch(/short_term: .*chronotick-short\.onnx/);
    } finally {
      await daemon.stop();
    }
  });
});
