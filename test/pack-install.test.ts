import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cleanEnv, tempDir, waitForSocket } from './support/daemon-process';
import { startReferenceProcess, type ReferenceProcess } from './support/ntp-reference';
import { REPO_ROOT } from './support/paths';

// ChronoTick installed as a user installs it, not run from the checkout: every package
// packed as npm publish would upload it (npm run pack), installed into a scratch global
// prefix with the README's line (npm install -g --ignore-scripts), and the installed
// programs run end to end — the daemon with its shipped ONNX models against the loopback
// reference, chronotickctl, chronotick-eval, and an MCP host starting the server the way
// hosts do: `npx -y chronotick-mcp`, and `chronotick-mcp --start-daemon`. Only the npm
// registry is reached (for the packages' dependencies, from npm's cache when it has
// them); npx, once installed, is held to no registry at all.

const PACK_AND_INSTALL_TIMEOUT_MS = 240_000;
/** The programs and what they load: the README's install line, from the tarballs. */
const INSTALLED = ['protocol', 'ntp', 'config', 'tsfm', 'sim', 'client']
  .map((n) => `chronotick-${n}`)
  .concat(['chronotickd', 'chronotickctl', 'chronotick-mcp']);

let dir: string;
let prefix: string;
let tarballFiles: string[];
let bin: (name: string) => string;
let env: NodeJS.ProcessEnv;

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? dir, env: opts.env ?? env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${cmd} could not run (it must be on the PATH): ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mustRun(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  dir = tempDir('ct-pack-');
  prefix = path.join(dir, 'prefix');
  bin = (name) => path.join(prefix, 'bin', name);
  // The installed programs first on the PATH, and npm's global prefix there too, as
  // after `npm install -g` for a user whose prefix it is.
  env = { ...cleanEnv(), PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_prefix: prefix };
  const tarballs = path.join(dir, 'tarballs');
  mustRun(process.execPath, [path.join(REPO_ROOT, 'scripts', 'pack.mjs'), tarballs], { cwd: REPO_ROOT, env: process.env });
  const packed = fs.readdirSync(tarballs);
  const wanted = INSTALLED.map((name) => packed.find((f) => f.startsWith(`${name}-`) && f.endsWith('.tgz')) as string);
  expect(wanted.every(Boolean)).toBe(true);
  const install = (into: string, files: string[]): void =>
    void mustRun('npm', [
      'install',
      '-g',
      '--prefix',
      into,
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...files,
    ]);
  tarballFiles = wanted.map((f) => path.join(tarballs, f));
  install(prefix, tarballFiles);
  const sizeMb = Number(mustRun('du', ['-sm', prefix]).split('\t')[0]);
  const packages = mustRun('npm', ['ls', '-g', '--prefix', prefix, '--all', '--parseable']).trim().split('\n').length - 1;
  console.log(`installed: ${sizeMb} MB, ${packages} packages (${packed.length} tarballs packed, ${wanted.length} installed)`);
}, PACK_AND_INSTALL_TIMEOUT_MS);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('every package packs with a README, its engines and exports, and nothing of the checkout', () => {
  for (const name of INSTALLED) {
    const pkgDir = path.join(
      prefix,
      'lib',
      'node_modules',
      name.startsWith('chronotick-') && !name.endsWith('mcp') ? `@chronotick/${name.slice(11)}` : name,
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect([name, fs.existsSync(path.join(pkgDir, 'README.md')), pkg.engines]).toEqual([name, true, { node: '>=20' }]);
    expect(pkg.exports).toBeDefined();
    expect(fs.existsSync(path.join(pkgDir, 'src'))).toBe(false);
  }
  const tsfm = path.join(prefix, 'lib/node_modules/@chronotick/tsfm');
  expect(fs.readdirSync(path.join(tsfm, 'models')).sort()).toEqual(
    expect.arrayContaining([
      'byo',
      'chronotick-long.card.json',
      'chronotick-long.onnx',
      'chronotick-short.card.json',
      'chronotick-short.onnx',
      'chronotick-thermal.card.json',
      'chronotick-thermal.onnx',
    ]),
  );
  // onnxruntime-node's install script never ran: its CPU build only, no CUDA providers from NuGet.
  const ort = path.join(tsfm, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64');
  expect(fs.readdirSync(ort).filter((f) => f.includes('providers'))).toEqual([]);
  // No file the install holds names the checkout it was packed from.
  const grep = run('grep', ['-rlF', '--include=*.js', '--include=*.json', REPO_ROOT, prefix]);
  expect(grep.stdout).toBe('');
});

test('with no network at all (npm’s cache only) the install line works; without --ignore-scripts it fails reaching NuGet', () => {
  if (process.getuid?.() !== 0) throw new Error('this test unshares a network namespace and must run as root');
  // The install above filled npm's cache; in a network namespace of its own npm has nothing else.
  const offline = (into: string, flags: string[]): ReturnType<typeof run> =>
    run('unshare', [
      '--net',
      '--',
      'npm',
      'install',
      '-g',
      '--prefix',
      into,
      '--offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...flags,
      ...tarballFiles,
    ]);
  const documented = offline(path.join(dir, 'offline-ok'), ['--ignore-scripts']);
  expect([documented.code, documented.stderr]).toEqual([0, '']);
  expect(fs.existsSync(path.join(dir, 'offline-ok', 'bin', 'chronotickd'))).toBe(true);
  const withScripts = offline(path.join(dir, 'offline-scripts'), []);
  expect(withScripts.code).not.toBe(0);
  expect(withScripts.stderr).toContain('onnxruntime-node');
  expect(withScripts.stderr).toContain('api.nuget.org');
});

test('each installed program answers --version', () => {
  for (const name of ['chronotickd', 'chronotickctl', 'chronotick-mcp', 'chronotick-eval']) {
    const r = run(bin(name), ['--version']);
    expect([name, r.code, r.stdout.trim()]).toEqual([name, 0, expect.stringMatching(/ 0\.1\.0$/)]);
  }
});

test('chronotick-eval runs a simulated half hour through the installed pipeline', () => {
  const r = run(bin('chronotick-eval'), ['--scenario', 'steady_quartz', '--hours', '0.5', '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ scenario: 'steady_quartz', hours: 0.5, coverage_interval: expect.any(Number) });
});

describe('the installed daemon against the loopback reference', () => {
  let ref: ReferenceProcess;
  let daemon: ReturnType<typeof spawn>;
  let socketPath: string;
  let output = '';

  beforeAll(async () => {
    ref = await startReferenceProcess({ initialOffsetS: 0.003, driftPpm: 10, jitterS: 0.0001, seed: 21 });
    socketPath = path.join(dir, 'run', 'chronotickd.sock');
    fs.mkdirSync(path.dirname(socketPath), { recursive: true });
    daemon = spawn(bin('chronotickd'), ['--socket', socketPath, '--state-dir', path.join(dir, 'state')], {
      env: { ...env, CHRONOTICK_NTP_SERVERS: ref.server, CHRONOTICK_WARMUP: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    daemon.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitForSocket(socketPath, 15_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${output}`);
    });
  });

  afterAll(async () => {
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGTERM');
    await exited;
    await ref.close();
  });

  test('chronotickctl waitsync, then status: synchronized, both shipped ONNX models loaded', () => {
    const wait = run(bin('chronotickctl'), ['--socket', socketPath, 'waitsync', '--timeout', '30']);
    expect([wait.code, wait.stderr]).toEqual([0, '']);
    const status = JSON.parse(mustRun(bin('chronotickctl'), ['--socket', socketPath, 'status', '--json'])) as {
      clock_status: string;
      models: { role: string; loaded: boolean }[];
    };
    expect(status.clock_status).toBe('synchronized');
    expect(status.models.filter((m) => m.role !== 'statistical').map((m) => [m.role, m.loaded])).toEqual([
      ['short_term', true],
      ['long_term', true],
    ]);
  });

  test('an MCP host starts the server as hosts do, `npx -y chronotick-mcp`, and gets the time', async () => {
    const cwd = tempDir('ct-npx-');
    // Held to the installed package: any registry request would fail on this address.
    const npxEnv = { ...env, npm_config_registry: 'http://127.0.0.1:9/', CHRONOTICK_SOCKET: socketPath } as Record<string, string>;
    const transport = new StdioClientTransport({ command: 'npx', args: ['-y', 'chronotick-mcp'], env: npxEnv, cwd, stderr: 'pipe' });
    const client = new Client({ name: 'pack-install-test', version: '0.0.0' });
    await client.connect(transport);
    try {
      const r = (await client.callTool({ name: 'get_time', arguments: { timezone: 'Europe/Berlin' } })) as {
        isError?: boolean;
        structuredContent?: Record<string, unknown>;
      };
      expect(r.isError).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ timezone: 'Europe/Berlin', clock_status: 'synchronized' });
    } finally {
      await client.close();
    }
  });
});

test('`chronotick-mcp --start-daemon` from the install starts the installed daemon, and stops it', async () => {
  const socketPath = path.join(dir, 'private', 'chronotickd.sock');
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
  const transport = new StdioClientTransport({
    command: bin('chronotick-mcp'),
    args: ['--socket', socketPath, '--start-daemon'],
    env: { ...env, CHRONOTICK_NTP_SERVERS: '127.0.0.1:9', CHRONOTICK_WARMUP: '0', HOME: dir } as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'pack-install-test', version: '0.0.0' });
  await client.connect(transport);
  const status = (await client.callTool({ name: 'get_daemon_status', arguments: {} })) as { structuredContent?: { pid?: number } };
  const pid = status.structuredContent?.pid as number;
  expect(pid).toBeGreaterThan(0);
  // The daemon it started is the installed one, not the checkout's.
  expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(path.join(prefix, 'lib/node_modules/chronotickd/bin/chronotickd.js'));
  await client.close();
  const deadline = Date.now() + 10_000;
  while (fs.existsSync(`/proc/${pid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
});
