import { spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { queryNtp, SystemHostClock } from '@chronotick/ntp';
import type { ProcessRegistry } from './processes';

const CACHE = path.resolve(__dirname, '..', '..', '..', '..', '.cache', 'chrony');

/** chronyd where `scripts/ensure-chronyd.mjs` (npm test's pretest) looks: $CHRONYD, the PATH, /usr/sbin, .cache/chrony. */
function chronydBinary(): string {
  const fromEnv = process.env['CHRONYD'];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const which = spawnSync('sh', ['-c', 'command -v chronyd'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  for (const p of ['/usr/sbin/chronyd', path.join(CACHE, 'usr', 'sbin', 'chronyd')]) if (existsSync(p)) return p;
  throw new Error('chronyd not found: run `node scripts/ensure-chronyd.mjs` first (it fetches Debian chrony into .cache/chrony)');
}

/**
 * Whether process `pid` holds the UDP socket bound to `port` (Linux /proc). The port is
 * picked free and then released before chronyd binds it: a server started in that gap
 * (the test suite's, beside the bench) can take it, and chronyd's answers would then be
 * another server's. One run read a median 56.7 s that way, or so it looked.
 */
export function holdsUdpPort(pid: number, port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  // Columns: sl, local_address, rem_address, st, queues, timer, retrnsmt, uid, timeout, inode.
  const inodes = readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[1]?.endsWith(hex) === true)
    .map((cols) => `socket:[${cols[9] ?? ''}]`);
  if (inodes.length === 0) return false;
  const fdDir = `/proc/${pid}/fd`;
  const linkOf = (fd: string): string => {
    try {
      return readlinkSync(path.join(fdDir, fd));
    } catch {
      return ''; // closed since the listing
    }
  };
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch {
    return false; // the process is gone (or not ours to read)
  }
  return fds.some((fd) => inodes.includes(linkOf(fd)));
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Exchanges with chronyd per reading of its offset. */
const READS_PER_OFFSET = 3;

/** chronyd as a client of one server, and how to read what it serves. */
export interface ChronydClient {
  child: ChildProcess;
  /**
   * chronyd's own estimate of reference − host now, as it serves it: the lowest-delay
   * of a few NTP exchanges with it on loopback (its T2/T3 are its corrected time; with
   * -x that correction lives only in chronyd, never in the host clock). The sample's
   * host instant comes with it; null when it is not yet synchronized or did not answer.
   */
  offset(): Promise<{ hostS: number; offsetS: number } | null>;
}

/**
 * Starts chronyd with -x (it never touches the host clock), as root without dropping
 * privileges, with its pidfile, driftfile and command socket in a temp folder, polling
 * `server` every 2^pollLog2 s (minpoll = maxpoll) after an iburst, and serving its own
 * corrected time on a loopback port of its own.
 */
export async function startChronydClient(registry: ProcessRegistry, server: string, pollLog2: number): Promise<ChronydClient> {
  const [host, port] = server.split(':');
  const dir = registry.tempDir('ct-bench-chronyd-');
  const servePort = await freeUdpPort();
  const conf = path.join(dir, 'chrony.conf');
  writeFileSync(
    conf,
    [
      `server ${host} port ${port} minpoll ${pollLog2} maxpoll ${pollLog2} iburst`,
      `port ${servePort}`,
      'bindaddress 127.0.0.1',
      'allow 127.0.0.1',
      'cmdport 0',
      `bindcmdaddress ${path.join(dir, 'chronyd.sock')}`,
      `pidfile ${path.join(dir, 'chronyd.pid')}`,
      `driftfile ${path.join(dir, 'chrony.drift')}`,
      '',
    ].join('\n'),
  );
  const libs = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu', 'usr/lib/aarch64-linux-gnu']
    .map((d) => path.join(CACHE, d))
    .filter((d) => existsSync(d));
  const child = registry.spawn(chronydBinary(), ['-x', '-d', '-u', 'root', '-f', conf], {
    env: { ...process.env, LD_LIBRARY_PATH: [...libs, process.env['LD_LIBRARY_PATH'] ?? ''].filter(Boolean).join(':') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 5000;
  while (!/Running with root privileges|chronyd .* starting/.test(log) || !holdsUdpPort(child.pid ?? -1, servePort)) {
    if (child.exitCode !== null) throw new Error(`chronyd exited with code ${child.exitCode} at start:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`chronyd did not start serving on 127.0.0.1:${servePort} (another process may hold the port):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const clock = new SystemHostClock();
  return {
    child,
    offset: async () => {
      // The lowest-delay of a few exchanges: a reply this process read late (its event
      // loop busy) would be charged to chronyd as half the extra delay.
      let best: { hostS: number; offsetS: number; delayS: number } | null = null;
      for (let i = 0; i < READS_PER_OFFSET; i++) {
        const r = await queryNtp({
          server: `127.0.0.1:${servePort}`,
          address: '127.0.0.1',
          port: servePort,
          clock: () => clock.now().realtimeS,
          timeoutMs: 500,
        });
        if (r.ok && (best === null || r.delayS < best.delayS)) best = { hostS: r.tS, offsetS: r.offsetS, delayS: r.delayS };
      }
      return best === null ? null : { hostS: best.hostS, offsetS: best.offsetS };
    },
  };
}
