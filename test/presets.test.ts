import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChronoTickClient } from '@chronotick/client';
import type { DaemonStatusAnswer } from '@chronotick/protocol';
import { startDaemon, tempDir, type RunningDaemon } from './support/daemon-process';
import { startReferenceProcess, type ReferenceProcess } from './support/ntp-reference';
import { waitForStatus } from './support/ntp-daemon';
import { REPO_ROOT } from './support/paths';

// The presets in configs/, each run as a user would run it: the daemon started with the
// file itself (servers and warm-up moved to the loopback reference through the
// environment, as the README shows), and what the preset promises checked in its status.

const preset = (name: string): string => fs.readFileSync(path.join(REPO_ROOT, 'configs', name), 'utf8');
const BYO_CARD = path.join(REPO_ROOT, 'packages/tsfm/models/byo/chronos-bolt.card.json');
const BOLT_STAND_IN = path.join(REPO_ROOT, 'packages/tsfm/test/fixtures/chronos-bolt-signature.onnx');

let ref: ReferenceProcess;
beforeAll(async () => {
  ref = await startReferenceProcess({ initialOffsetS: 0.005, driftPpm: 15, jitterS: 0.0001, seed: 11 });
});
afterAll(() => ref.close());

async function runPreset(config: string, warmUpS = 3): Promise<{ daemon: RunningDaemon; client: ChronoTickClient }> {
  const daemon = await startDaemon({ config, env: { CHRONOTICK_NTP_SERVERS: ref.server, CHRONOTICK_WARMUP: String(warmUpS) } });
  return { daemon, client: new ChronoTickClient({ socketPaths: [daemon.socketPath] }) };
}

const model = (status: DaemonStatusAnswer, role: string): Record<string, unknown> =>
  status.models.find((m) => m.role === role) as Record<string, unknown>;

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

test('statistical.yaml: no ONNX model loaded, synchronized, served by the statistical sources', async () => {
  const { daemon, client } = await runPreset(preset('statistical.yaml'));
  try {
    const status = await waitForStatus(client, (s) => s.clock_status === 'synchronized', 30_000);
    expect(model(status, 'short_term')).toMatchObject({ enabled: false, loaded: false });
    expect(model(status, 'long_term')).toMatchObject({ enabled: false, loaded: false });
    const time = await client.request('get_time', { include_stats: true });
    expect(time.hard_earliest).not.toBeNull();
    const weights = (time.detailed_stats as { source_weights: Record<string, number> }).source_weights;
    expect((weights.short_term ?? 0) + (weights.long_term ?? 0)).toBe(0);
    console.log(`statistical preset: RSS ${(rssKb(daemon.process.pid as number) / 1024).toFixed(1)} MB`);
  } finally {
    client.close();
    await daemon.stop();
  }
});

test('local-server.yaml: dense polling of a close server, tight samples, synchronized', async () => {
  const text = preset('local-server.yaml');
  expect(text).toMatch(/measurement_interval: 16/);
  const { daemon, client } = await runPreset(text);
  try {
    // Three samples: the 3 s warm-up's polls, or (when a loaded machine started the
    // daemon late and the warm-up caught two) the first of the preset's 16 s polls.
    const status = await waitForStatus(client, (s) => s.clock_status === 'synchronized' && (s.ntp.servers[0]?.samples ?? 0) >= 3, 30_000);
    const server = status.ntp.servers[0];
    expect(server?.name).toBe(ref.server);
    // A loopback reply is far inside the preset's 5 ms limit: the rare one refused as too
    // uncertain is one a loaded machine held past 5 ms (CI saw one among its suites), so
    // such refusals stay a minority of what was kept.
    expect(server?.rejects.uncertainty_exceeded ?? 0).toBeLessThan(server?.samples ?? 0);
    const time = await client.request('get_time');
    const trueS = time.system_time + ref.trueOffsetAt(time.system_time);
    expect(time.hard_earliest as number).toBeLessThanOrEqual(trueS);
    expect(time.hard_latest as number).toBeGreaterThanOrEqual(trueS);
  } finally {
    client.close();
    await daemon.stop();
  }
});

describe('chronos-bolt.yaml: the card points at an export the user makes', () => {
  test('with the export in place (a stand-in of the same signature) the long-term role loads it', async () => {
    const dir = tempDir('ct-bolt-');
    const onnx = path.join(dir, 'chronos-bolt-small.onnx');
    fs.copyFileSync(BOLT_STAND_IN, onnx);
    const card = JSON.parse(fs.readFileSync(BYO_CARD, 'utf8')) as Record<string, unknown>;
    card.sha256 = createHash('sha256').update(fs.readFileSync(onnx)).digest('hex');
    const cardPath = path.join(dir, 'chronos-bolt-small.card.json');
    fs.writeFileSync(cardPath, JSON.stringify(card));
    const config = preset('chronos-bolt.yaml').replace('/etc/chronotick/models/chronos-bolt-small.card.json', cardPath);
    expect(config).toContain(cardPath);
    const { daemon, client } = await runPreset(config);
    try {
      const status = await waitForStatus(client, (s) => model(s, 'long_term').loaded === true, 30_000);
      expect(model(status, 'long_term')).toMatchObject({ name: 'chronos_bolt_small', enabled: true, problem: null });
      expect(model(status, 'short_term')).toMatchObject({ name: 'residual_ar', loaded: true });
    } finally {
      client.close();
      await daemon.stop();
    }
  });

  test('before the export exists: the Kalman filter stands in, and the status says why', async () => {
    const config = preset('chronos-bolt.yaml').replace('/etc/chronotick/models', path.join(tempDir('ct-bolt-'), 'nothing-here'));
    const { daemon, client } = await runPreset(config);
    try {
      const status = await waitForStatus(client, (s) => model(s, 'long_term').loaded === true, 30_000);
      expect(model(status, 'long_term')).toMatchObject({ name: 'kalman' });
      expect(daemon.output()).toMatch(/long_term: .*TSFM_MODEL_MISSING.*chronos-bolt-small\.card\.json/);
    } finally {
      client.close();
      await daemon.stop();
    }
  });
});
