import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, spawnListening, tempDir } from './support/daemon-process';
import { sh, ThrowawayAccounts } from './support/deploy-system';
import { startReferenceProcess, type ReferenceProcess } from './support/ntp-reference';
import { BIN } from './support/paths';

// docs/CONTAINERS.md, as far as this machine allows (no container engine): one daemon
// on the host, run as its service account with its 0750 runtime directory as the unit
// makes it; a "container" made of the same kernel parts an engine uses — its own
// network namespace (no route anywhere, so it could not do NTP itself), its own mount
// namespace with the host's socket directory bind-mounted read-only, and a process
// whose only tie to the daemon is the socket's group id given as a supplementary group
// (`docker run --group-add GID`). The test runs as root, creates throwaway accounts and
// removes them afterwards; nothing is mounted outside the namespaces it unshares.

const accounts = new ThrowawayAccounts();
let dir: string;
let ref: ReferenceProcess;
let daemon: ChildProcess;
let service: string;
let app: string;
let socketDir: string;
let serviceGid: number;

const idOf = (flag: '-u' | '-g', user: string): number => Number(sh('id', [flag, user]).stdout.trim());

/** Where the container sees the host's socket directory. */
const mountPoint = (): string => path.join(dir, 'container', 'run', 'chronotick');

/**
 * Runs `args` as `user` in a fresh network and mount namespace, with the socket
 * directory bind-mounted read-only at mountPoint() and `groups` as its supplementary
 * groups only (a container's user is no member of the host's groups).
 */
function inContainer(user: string, groups: number[], args: string[]): { code: number | null; stdout: string; stderr: string } {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    'set -e',
    `mount --bind ${q(socketDir)} ${q(mountPoint())}`,
    `mount -o remount,bind,ro ${q(mountPoint())}`,
    `exec setpriv --reuid ${q(user)} --regid ${q(user)} --groups ${q(groups.join(',') || String(idOf('-g', user)))} -- ${args.map(q).join(' ')}`,
  ].join('\n');
  const r = sh('unshare', ['--net', '--mount', '--propagation', 'private', '--', 'sh', '-c', script], { cwd: '/', env: cleanEnv() });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test creates users and namespaces and must run as root');
  for (const tool of ['unshare', 'setpriv', 'mount']) {
    if (sh('sh', ['-c', `command -v ${tool}`]).code !== 0) throw new Error(`${tool} is needed (util-linux) and is not on the PATH`);
  }
  service = accounts.user('svc');
  app = accounts.user('app');
  serviceGid = idOf('-g', service);
  dir = tempDir('ct-ctr-');
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(mountPoint(), { recursive: true });
  // What systemd makes for User=chronotick, RuntimeDirectory=chronotick, mode 0750.
  socketDir = path.join(dir, 'host', 'run', 'chronotick');
  fs.mkdirSync(socketDir, { recursive: true });
  fs.chownSync(socketDir, idOf('-u', service), serviceGid);
  fs.chmodSync(socketDir, 0o750);
  const state = path.join(dir, 'host', 'state');
  fs.mkdirSync(state);
  fs.chownSync(state, idOf('-u', service), serviceGid);

  ref = await startReferenceProcess({ initialOffsetS: 0.004, driftPpm: 12, jitterS: 0.0001, seed: 31 });
  const socketPath = path.join(socketDir, 'chronotickd.sock');
  daemon = (
    await spawnListening(
      'setpriv',
      [
        '--reuid',
        service,
        '--regid',
        service,
        '--init-groups',
        '--',
        process.execPath,
        BIN.daemon,
        '--socket',
        socketPath,
        '--state-dir',
        state,
      ],
      { cwd: '/', env: cleanEnv({ CHRONOTICK_NTP_SERVERS: ref.server, CHRONOTICK_WARMUP: '3' }), socketPath },
    )
  ).process;
});

afterAll(async () => {
  if (daemon) {
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGTERM');
    await exited;
  }
  await ref?.close();
  accounts.remove();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const containerSocket = (): string => path.join(mountPoint(), 'chronotickd.sock');

test('the container has its own network, loopback only: it cannot reach an NTP server itself', () => {
  const r = inContainer(app, [serviceGid], ['cat', '/proc/net/dev']);
  expect(r.code).toBe(0);
  const interfaces = r.stdout
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(':')[0])
    .filter(Boolean);
  expect(interfaces).toEqual(['lo']);
});

test('a container user given the socket’s group (--group-add GID) waits for sync and reads the time through the read-only mount', () => {
  const wait = inContainer(app, [serviceGid], [process.execPath, BIN.ctl, '--socket', containerSocket(), 'waitsync', '--timeout', '30']);
  expect([wait.code, wait.stderr]).toEqual([0, '']);
  const r = inContainer(app, [serviceGid], [process.execPath, BIN.ctl, '--socket', containerSocket(), 'time', '--json']);
  expect(r.code).toBe(0);
  const time = JSON.parse(r.stdout) as { clock_status: string; system_time: number; hard_earliest: number; hard_latest: number };
  expect(time.clock_status).toBe('synchronized');
  const trueS = time.system_time + ref.trueOffsetAt(time.system_time);
  expect(time.hard_earliest).toBeLessThanOrEqual(trueS);
  expect(time.hard_latest).toBeGreaterThanOrEqual(trueS);
});

test('the mount is read-only: the container cannot replace or remove the socket', () => {
  const r = inContainer(service, [serviceGid], ['sh', '-c', `rm -f ${containerSocket()} 2>&1; touch ${mountPoint()}/x 2>&1; true`]);
  expect(r.stdout).toMatch(/Read-only file system/);
  expect(fs.existsSync(path.join(socketDir, 'chronotickd.sock'))).toBe(true);
});

test('a container user without the group is refused, with the group to add named', () => {
  const r = inContainer(app, [], [process.execPath, BIN.ctl, '--socket', containerSocket(), 'time']);
  expect(r.code).toBe(77);
  expect(r.stderr).toContain(`permission denied on ${containerSocket()} — join the \`${service}\` group`);
});
