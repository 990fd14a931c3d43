/**
 * Runs a real chronyd on loopback for interop tests. Always with -x: the
 * machine may be root, and chronyd must never touch the host clock. A missing
 * chronyd is a loud failure, never a skip: run `node scripts/ensure-chronyd.mjs`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
const cacheDir = path.join(repoRoot, '.cache', 'chrony');

/** Where chronyd is, in the order ensure-chronyd.mjs looks: CHRONYD, PATH, /usr/sbin, the cache. */
export function findChronyd(): string | null {
  const fromEnv = process.env['CHRONYD'];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const which = spawnSync('sh', ['-c', 'command -v chronyd'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  for (const p of ['/usr/sbin/chronyd', path.join(cacheDir, 'usr', 'sbin', 'chronyd')]) if (existsSync(p)) return p;
  return null;
}

/** Library folders under the cache, for chronyd fetched without its dependencies installed. */
function ldLibraryPath(): string {
  const dirs = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu', 'usr/lib/aarch64-linux-gnu']
    .map((d) => path.join(cacheDir, d))
    .filter((d) => existsSync(d));
  const prior = process.env['LD_LIBRARY_PATH'];
  return [...dirs, ...(prior ? [prior] : [])].join(':');
}

/** A free UDP port on 127.0.0.1 (bound, read, released; chronyd binds it next). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Polls `done` until true (resolves true), `exited` settles first, or the timeout (false). Leaves no timer behind. */
function waitFor(done: () => boolean, exited: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    const deadline = Date.now() + timeoutMs;
    let finished = false;
    const finish = (value: boolean): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      resolve(value);
    };
    const check = (): void => {
      if (done()) finish(true);
      else if (Date.now() > deadline) finish(false);
      else timer = setTimeout(check, 20);
    };
    void exited.then(() => finish(done()));
    check();
  });
}

export interface RunningChronyd {
  port: number;
  /** `127.0.0.1:port` for the sampler. */
  server: string;
  /** chronyd's stderr so far (it logs there with -d). */
  log(): string;
  stop(): Promise<void>;
}

export async function startChronyd(): Promise<RunningChronyd> {
  const binary = findChronyd();
  if (!binary) {
    throw new Error(
      'chronyd not found (looked at $CHRONYD, the PATH, /usr/sbin and .cache/chrony). ' +
        'Run `node scripts/ensure-chronyd.mjs` (npm test does it in pretest) to fetch it.',
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'chronyd-'));
  const port = await freeUdpPort();
  const conf = path.join(dir, 'chrony.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bindaddress 127.0.0.1',
      'allow 127.0.0.1',
      'local stratum 8',
      'cmdport 0',
      // No Unix command socket either: nothing in /run, nothing shared with a system chronyd.
      'bindcmdaddress /',
      `pidfile ${path.join(dir, 'chronyd.pid')}`,
      `driftfile ${path.join(dir, 'chrony.drift')}`,
      '',
    ].join('\n'),
  );
  // -x: never control the system clock. -d: foreground, log to stderr. -u root: no privilege drop needed.
  const child: ChildProcess = spawn(binary, ['-x', '-d', '-u', 'root', '-f', conf], {
    env: { ...process.env, LD_LIBRARY_PATH: ldLibraryPath() },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // Ready once it says it runs (it has bound its sockets by then), or fail with its log.
  const ready = await waitFor(() => /Running with root privileges/.test(stderr), exited, 5000);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitFor(() => child.exitCode !== null || child.signalCode !== null, exited, 3000))) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (!ready) {
    await stop();
    throw new Error(`chronyd did not start (${binary} -x -d -u root -f ${conf}):\n${stderr}`);
  }
  return { port, server: `127.0.0.1:${port}`, log: () => stderr, stop };
}
