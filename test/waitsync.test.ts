import * as path from 'node:path';
import { ChronoTickClient, ClientError, ClientErrorCode } from '@chronotick/client';
import { runBinary, tempDir } from './support/daemon-process';
import { startReferenceProcess, type ReferenceProcess } from './support/ntp-reference';
import { startDaemonAgainst } from './support/ntp-daemon';
import { BIN } from './support/paths';
import type { RunningDaemon } from './support/daemon-process';

// chronotickctl waitsync (and the client's waitForSync) against a daemon that warms up
// against the programmable reference on loopback: exit 1 while it cannot be in sync
// yet, exit 0 once it is, and how long each took.

const WARM_UP_S = 8;

async function timed(args: string[], socketPath: string): Promise<{ code: number | null; stdout: string; stderr: string; tookS: number }> {
  const startedMs = Date.now();
  const r = await runBinary(BIN.ctl, ['--socket', socketPath, 'waitsync', ...args]);
  return { ...r, tookS: (Date.now() - startedMs) / 1000 };
}

describe('chronotickctl waitsync against a daemon warming up against the reference', () => {
  let ref: ReferenceProcess;
  let daemon: RunningDaemon;
  let client: ChronoTickClient;
  let startedMs: number;

  beforeAll(async () => {
    ref = await startReferenceProcess({ initialOffsetS: 0.02, driftPpm: 20, jitterS: 0.0001, seed: 3 });
    ({ daemon, client } = await startDaemonAgainst([ref.server], { warmUpS: WARM_UP_S, warmUpIntervalS: 0.25 }));
    startedMs = Date.now();
  });

  afterAll(async () => {
    client.close();
    await daemon.stop();
    await ref.close();
  });

  test('during the warm-up it times out: exit 1, after about --timeout, saying why', async () => {
    const r = await timed(['--timeout', '1'], daemon.socketPath);
    console.log(`waitsync --timeout 1 during warm-up: exit ${r.code} after ${r.tookS.toFixed(2)} s`);
    expect(r.code).toBe(1);
    expect(r.tookS).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toMatch(/not synchronized within 1\.0 s: clock warming_up/);
  });

  test('it exits 0 once the daemon is synchronized with the hard bound asked for', async () => {
    const r = await timed(['--max-uncertainty', '0.01', '--timeout', '60', '--json'], daemon.socketPath);
    const sinceStartS = (Date.now() - startedMs) / 1000;
    console.log(
      `waitsync --max-uncertainty 0.01: exit ${r.code} after ${r.tookS.toFixed(2)} s (${sinceStartS.toFixed(1)} s after the daemon started)`,
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      synchronized: boolean;
      clock_status: string;
      system_time: number;
      hard_earliest: number;
      hard_latest: number;
    };
    expect(out).toMatchObject({ synchronized: true, clock_status: 'synchronized' });
    expect((out.hard_latest - out.hard_earliest) / 2).toBeLessThanOrEqual(0.01);
    // The truth is inside the bound it waited for.
    const trueS = out.system_time + ref.trueOffsetAt(out.system_time);
    expect(out.hard_earliest).toBeLessThanOrEqual(trueS);
    expect(out.hard_latest).toBeGreaterThanOrEqual(trueS);
    // Not before the warm-up could have ended.
    expect(sinceStartS).toBeGreaterThanOrEqual(WARM_UP_S - 1);
  });

  test('synchronized, but asked for a bound tighter than it can give: exit 1 on timeout', async () => {
    const r = await timed(['--max-uncertainty', '1e-9', '--timeout', '1.5'], daemon.socketPath);
    console.log(`waitsync --max-uncertainty 1e-9 --timeout 1.5: exit ${r.code} after ${r.tookS.toFixed(2)} s`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/clock synchronized, hard bound ±\S+ s \(asked for ±1e-9 s\)/);
  });

  test('already synchronized: exit 0 at once; the client library waits the same way', async () => {
    const r = await timed([], daemon.socketPath);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^synchronized after \d+\.\d s: ±\S+ \S+ \(hard bound\)/);
    const synced = await client.waitForSync({ maxUncertaintyS: 0.01, timeoutMs: 5000 });
    expect(synced.interval.clockStatus).toBe('synchronized');
    const tight = client.waitForSync({ maxUncertaintyS: 1e-9, timeoutMs: 300 });
    await expect(tight).rejects.toMatchObject({ code: ClientErrorCode.SyncTimeout });
  });

  test('then the ordering API over the socket: now, after/before, commitWait, intervalAt of a past reading', async () => {
    await client.waitForSync({ timeoutMs: 30_000 });
    const now = await client.now();
    const [earliest, latest] = [now.earliest as number, now.latest as number];
    const trueNowS = now.systemTime + ref.trueOffsetAt(now.systemTime);
    expect(earliest).toBeLessThanOrEqual(trueNowS);
    expect(latest).toBeGreaterThanOrEqual(trueNowS);
    expect(await client.after(earliest - 1)).toBe(true);
    expect(await client.after(latest + 60)).toBe(false);
    expect(await client.before(latest + 60)).toBe(true);
    expect(await client.before(earliest)).toBe(false);
    // A stamp 50 ms ahead: commitWait returns once it is certainly past, and not before.
    const stampS = latest + 0.05;
    const startedMs = Date.now();
    const proof = await client.commitWait(stampS, { timeoutMs: 10_000 });
    expect(proof.earliest as number).toBeGreaterThan(stampS);
    expect(proof.systemTime + ref.trueOffsetAt(proof.systemTime)).toBeGreaterThan(stampS);
    console.log(
      `commitWait of a stamp 50 ms past latest (bound ±${(((latest - earliest) / 2) * 1e3).toFixed(3)} ms): ${Date.now() - startedMs} ms`,
    );
    // A reading taken a second ago, asked about now: the measurements since pin it too.
    const pastS = Date.now() / 1000 - 1;
    const past = await client.intervalAt(pastS);
    const truePastS = pastS + ref.trueOffsetAt(pastS);
    expect(past.earliest as number).toBeLessThanOrEqual(truePastS);
    expect(past.latest as number).toBeGreaterThanOrEqual(truePastS);
    await expect(client.intervalAt(pastS - 3600)).rejects.toMatchObject({ code: 'CT_OUT_OF_HISTORY' });
  });
});

test('waitsync with no daemon: keeps trying until the timeout, then exit 3 (not running)', async () => {
  const socketPath = path.join(tempDir('ct-waitsync-'), 'none.sock');
  const r = await timed(['--timeout', '1'], socketPath);
  expect(r.code).toBe(3);
  expect(r.tookS).toBeGreaterThanOrEqual(1);
  expect(r.stderr).toContain('chronotickd is not running');
  const client = new ChronoTickClient({ socketPaths: [socketPath] });
  await expect(client.waitForSync({ timeoutMs: 200 })).rejects.toBeInstanceOf(ClientError);
  client.close();
});

test('waitsync refuses nonsense flags with exit 2', async () => {
  const r = await runBinary(BIN.ctl, ['waitsync', '--max-uncertainty', 'soon']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--max-uncertainty must be a positive number of seconds');
});
