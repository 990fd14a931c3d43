import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cleanEnv, spawnListening, startDaemon, tempDir, type RunningDaemon } from './support/daemon-process';
import { sh, ThrowawayAccounts } from './support/deploy-system';
import { BIN } from './support/paths';

// A newcomer runs `npm start` as themselves, often where no login session set
// $XDG_RUNTIME_DIR (ssh, containers, CI). Real accounts prove what they meet: the
// daemon finds a private per-user socket the clients also find, and a path it cannot
// use, or a socket it may not open, is explained instead of a bare EACCES. The test
// runs as root, creates throwaway accounts and removes them in afterAll.

const accounts = new ThrowawayAccounts();
let user: string;
let outsider: string;
let group: string;
let dir: string;

const uidOf = (name: string): number => Number(sh('id', ['-u', name]).stdout.trim());

/** The command line that runs `args` as `name` with its own groups, as a login would. */
function asUser(name: string, args: string[]): [string, string[]] {
  return ['setpriv', ['--reuid', name, '--regid', name, '--init-groups', '--', ...args]];
}

/** A normal user's environment with no runtime directory: TMPDIR and HOME are the test's. */
function userEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env = cleanEnv({ HOME: home, TMPDIR: path.join(dir, 'tmp'), CHRONOTICK_NTP_SERVERS: '127.0.0.1:9', ...extra });
  delete env.XDG_RUNTIME_DIR;
  delete env.RUNTIME_DIRECTORY;
  return env as Record<string, string>;
}

function run(
  name: string,
  bin: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, argv] = asUser(name, [process.execPath, bin, ...args]);
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function homeOf(name: string): string {
  const home = path.join(dir, `home-${name}`);
  fs.mkdirSync(home, { recursive: true });
  sh('chown', [name, home]);
  return home;
}

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('this test creates system users and must run as root');
  user = accounts.user('u');
  outsider = accounts.user('x');
  group = accounts.user('g'); // its group stands in for `chronotick`
  dir = tempDir('ct-user-');
  fs.chmodSync(dir, 0o755);
  // A shared temp directory, like /tmp: anyone may create, only owners may delete.
  fs.mkdirSync(path.join(dir, 'tmp'), { mode: 0o1777 });
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
});

afterAll(() => {
  accounts.remove();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a normal user with no XDG_RUNTIME_DIR', () => {
  test('the daemon listens on a private per-user socket, and chronotickctl finds it with no flags', async () => {
    const env = userEnv(homeOf(user));
    const expected = path.join(dir, 'tmp', `chronotick-${uidOf(user)}`, 'chronotickd.sock');
    const [cmd, argv] = asUser(user, [process.execPath, BIN.daemon]);
    const daemon = await spawnListening(cmd, argv, { env, cwd: '/', socketPath: expected });
    try {
      expect(daemon.output()).toContain(`using the per-user socket ${expected}`);
      const folder = fs.statSync(path.dirname(expected));
      expect([folder.uid, folder.mode & 0o777]).toEqual([uidOf(user), 0o700]);

      const status = await run(user, BIN.ctl, ['status', '--json'], env);
      expect(status.stderr).toBe('');
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ socket_path: expected });
    } finally {
      daemon.process.kill('SIGTERM');
    }
    expect(await daemon.exited).toBe(0);
  });

  test('a per-user folder someone else planted is refused, saying what to do', async () => {
    const env = userEnv(homeOf(user), { TMPDIR: path.join(dir, 'planted') });
    fs.mkdirSync(path.join(dir, 'planted', `chronotick-${uidOf(user)}`), { recursive: true, mode: 0o777 });
    fs.chmodSync(path.join(dir, 'planted', `chronotick-${uidOf(user)}`), 0o777);
    const result = await run(user, BIN.daemon, [], env);
    expect(result.code).toBe(1);
    expect(result.stderr + result.stdout).toMatch(/must be a directory of yours that no one else can open/);
    expect(result.stderr + result.stdout).toContain('--socket PATH or CHRONOTICK_SOCKET=PATH');
  });

  test('a socket path the user may not write fails naming the flag and the variable that fix it', async () => {
    const closed = path.join(dir, 'root-only');
    fs.mkdirSync(closed, { mode: 0o755 });
    const result = await run(user, BIN.daemon, [], userEnv(homeOf(user), { CHRONOTICK_SOCKET: path.join(closed, 'sub', 'd.sock') }));
    expect(result.code).toBe(1);
    const text = result.stderr + result.stdout;
    expect(text).toContain('EACCES');
    expect(text).toContain('--socket PATH or CHRONOTICK_SOCKET=PATH');
    expect(text).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});

describe('a socket the user may not open', () => {
  let daemon: RunningDaemon;
  beforeAll(async () => {
    // As the installed service: a root-owned daemon whose socket belongs to a group.
    daemon = await startDaemon({ dir: tempDir('ct-denied-') });
    fs.chmodSync(daemon.dir, 0o755);
    sh('chgrp', [group, daemon.socketPath]);
  });
  afterAll(async () => {
    await daemon.stop();
  });

  test('chronotickctl says permission denied and which group to join (exit 77), not "not running"', async () => {
    const result = await run(outsider, BIN.ctl, ['--socket', daemon.socketPath, 'status'], userEnv(homeOf(outsider)));
    expect(result.code).toBe(77);
    expect(result.stderr).toContain(`permission denied on ${daemon.socketPath} — join the \`${group}\` group`);
    expect(result.stderr).toContain(`sudo usermod -aG ${group}`);
    expect(result.stderr).not.toContain('not running');
  });

  test('the MCP adapter answers a tool call with the same reason', async () => {
    const [cmd, argv] = asUser(outsider, [process.execPath, BIN.mcp, '--socket', daemon.socketPath]);
    const transport = new StdioClientTransport({ command: cmd, args: argv, env: userEnv(homeOf(outsider)), stderr: 'pipe', cwd: '/' });
    const client = new Client({ name: 'chronotick-test', version: '0.0.0' });
    await client.connect(transport);
    try {
      const result = (await client.callTool({ name: 'get_time', arguments: {} })) as { isError?: boolean; content: { text?: string }[] };
      expect(result.isError).toBe(true);
      const text = result.content[0]?.text ?? '';
      expect(text).toContain('CT_PERMISSION_DENIED');
      expect(text).toContain(`join the \`${group}\` group`);
      expect(text).not.toContain('not running');
    } finally {
      await client.close();
    }
  });
});
