import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, startDaemon, tempDir, waitForSocket, type RunningDaemon } from './support/daemon-process';
import { sh, ThrowawayAccounts } from './support/deploy-system';
import { BIN } from './support/paths';

// The socket is the daemon's only door: mode 0660 lets its owner and group in and
// no one else, and the service's 0750 runtime directory adds a second lock. Real
// accounts prove it: a throwaway user outside the group is refused (EACCES), a
// throwaway member of the group gets through. The test runs as root, creates the
// accounts and removes them in afterAll.

// A client that reports how connecting went, run as another user with runuser.
const CLIENT = `
const s = require('node:net').connect(process.argv[1]);
s.once('connect', () => { console.log('connected'); s.destroy(); });
s.once('error', (e) => console.log(e.code));
`;

function connectAs(user: string, socketPath: string): string {
  const r = sh('runuser', ['-u', user, '--', process.execPath, '-e', CLIENT, socketPath], { cwd: '/' });
  if (r.code !== 0) throw new Error(`client as ${user} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

const accounts = new ThrowawayAccounts();
let dir: string;
let daemon: RunningDaemon;
let service: string;
let outsider: string;
let member: string;

const uidOf = (user: string): number => Number(sh('id', ['-u', user]).stdout.trim());
const gidOf = (user: string): number => Number(sh('id', ['-g', user]).stdout.trim());

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test creates system users and must run as root');
  // The service account stands in for chronotick; its own group is the socket's group.
  service = accounts.user('s');
  outsider = accounts.user('o');
  member = accounts.user('m', [service]);
  // mkdtemp makes 0700; open the directory so the socket's own mode is what decides.
  dir = tempDir('ct-access-');
  fs.chmodSync(dir, 0o755);
  daemon = await startDaemon({ dir, env: { CHRONOTICK_NTP_SERVERS: '127.0.0.1:9' } });
  // The daemon runs as root here, so hand its socket to the service group.
  fs.chownSync(daemon.socketPath, 0, gidOf(service));
});

afterAll(async () => {
  await daemon?.stop();
  accounts.remove();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the socket is mode 0660: owner and group only', () => {
  expect(fs.statSync(daemon.socketPath).mode & 0o777).toBe(0o660);
});

test('a user outside the group cannot connect (EACCES)', () => {
  expect(connectAs(outsider, daemon.socketPath)).toBe('EACCES');
});

test("a member of the socket's group can connect", () => {
  expect(connectAs(member, daemon.socketPath)).toBe('connected');
});

test('run as a service account in a 0750 runtime directory, as the unit does: only that group gets in', async () => {
  // What systemd does for User=chronotick, RuntimeDirectory=chronotick,
  // RuntimeDirectoryMode=0750: a directory owned by the service account, and the
  // daemon started as that account (setpriv execs, so the pid is the daemon's).
  const runtimeDir = path.join(dir, 'runtime');
  fs.mkdirSync(runtimeDir);
  fs.chownSync(runtimeDir, uidOf(service), gidOf(service));
  fs.chmodSync(runtimeDir, 0o750);
  const socketPath = path.join(runtimeDir, 'chronotickd.sock');
  const child = spawn(
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
      path.join(runtimeDir, 'state'),
    ],
    { cwd: '/', env: cleanEnv({ CHRONOTICK_NTP_SERVERS: '127.0.0.1:9' }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitForSocket(socketPath, 15_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${output}`);
    });
    const st = fs.statSync(socketPath);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([uidOf(service), gidOf(service), 0o660]);
    expect(connectAs(outsider, socketPath)).toBe('EACCES');
    expect(connectAs(member, socketPath)).toBe('connected');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});
