import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, runBinary, tempDir, waitForSocket } from './support/daemon-process';
import { DEPLOY_DIR, listTree, mustSh, sh, snapshotSystem } from './support/deploy-system';
import { REPO_ROOT } from './support/paths';

// install.sh and uninstall.sh staged into a temporary root (--root), the way a
// packager would use them: every file lands under that root, the installed daemon
// runs from the prefix, and the real /etc, /opt, /usr/local and accounts are
// unchanged afterwards. The steps build on each other, so they run in order.

const INSTALL = path.join(DEPLOY_DIR, 'install.sh');
const UNINSTALL = path.join(DEPLOY_DIR, 'uninstall.sh');
const PREFIX = '/opt/chronotick';
// A real install packs the checkout and npm-installs the tarballs (~350 MB, mostly
// onnxruntime-node, from npm's cache): allow for a busy machine.
const INSTALL_TIMEOUT_MS = 180_000;

let dir: string;
let root: string;
let systemBefore: string;

const installed = (p: string): string => path.join(root, p);
const prefixDir = (): string => installed(PREFIX);

beforeAll(() => {
  systemBefore = snapshotSystem();
  dir = tempDir('ct-install-');
  root = path.join(dir, 'root');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The absolute paths named on the `+ action` lines of a script's output. */
function actionPaths(output: string): string[] {
  // A render line ends with the values it fills in, e.g. (@PREFIX@=/opt/chronotick):
  // those are paths written into the unit, not paths the script touches.
  const lines = output
    .split('\n')
    .filter((l) => l.startsWith('+ '))
    .map((l) => l.replace(/ \(@NODE@=.*\)$/, ''));
  return lines.flatMap((l) => l.match(/(?<![\w.])\/[^\s,()]+/g) ?? []);
}

test(
  '--dry-run prints every action and changes nothing',
  () => {
    const r = sh(INSTALL, ['--root', root, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.existsSync(root)).toBe(false);
    expect(r.stdout).toContain('dry run');
    // The README's install line, on the packed tarballs: no install script runs.
    expect(r.stdout).toMatch(/^\+ \S+ \S+\/scripts\/pack\.mjs \S+\.tarballs\.\d+$/m);
    expect(r.stdout).toMatch(/^\+ npm install --global --prefix \S+ --ignore-scripts --prefer-offline .*chronotickd-[\d.]+\.tgz /m);
    expect(r.stdout).toContain(`+ mv ${installed(PREFIX)}.new.`);
    const config = installed('/etc/chronotick/config.yaml');
    const unit = installed('/etc/systemd/system/chronotick-mcp.service');
    expect(r.stdout).toContain(`+ install -m 0644 ${installed(PREFIX)}/lib/node_modules/@chronotick/config/presets/default.yaml ${config}`);
    expect(r.stdout).toContain(`+ render ${DEPLOY_DIR}/systemd/chronotick-mcp.service -> ${unit}`);
    // Every action reads from the checkout (or runs node) and writes under the root.
    const outside = actionPaths(r.stdout).filter(
      (p) => !p.startsWith(root + '/') && !p.startsWith(REPO_ROOT + '/') && p !== process.execPath,
    );
    expect(outside).toEqual([]);
  },
  INSTALL_TIMEOUT_MS,
);

test(
  'installs the project, the config and the unit under the staging root',
  () => {
    const r = sh(INSTALL, ['--root', root]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');

    const top = listTree(root).filter((p) => !p.startsWith(PREFIX.slice(1) + '/'));
    expect(top).toEqual([
      'etc',
      'etc/chronotick',
      'etc/chronotick/config.yaml',
      'etc/systemd',
      'etc/systemd/system',
      'etc/systemd/system/chronotick-mcp.service',
      'opt',
      'opt/chronotick',
    ]);
    const prefix = prefixDir();
    for (const f of [
      '.chronotick-install',
      'bin/chronotickd',
      'bin/chronotickctl',
      'bin/chronotick-mcp',
      'lib/node_modules/chronotickd/bin/chronotickd.js',
      'lib/node_modules/chronotickd/dist/bin/chronotickd.js',
      'lib/node_modules/chronotickctl/bin/chronotickctl.js',
      'lib/node_modules/chronotick-mcp/bin/chronotick-mcp.js',
      'lib/node_modules/@chronotick/protocol/dist/index.js',
      'lib/node_modules/@chronotick/config/presets/statistical.yaml',
      'lib/node_modules/@chronotick/tsfm/models/chronotick-short.onnx',
      'lib/node_modules/@chronotick/protocol/node_modules/msgpackr/package.json',
      'lib/node_modules/chronotick-mcp/node_modules/@modelcontextprotocol/sdk/package.json',
    ]) {
      expect([f, fs.existsSync(path.join(prefix, f))]).toEqual([f, true]);
    }
    // What the packages publish, nothing of the checkout: no sources, tests, dev tools,
    // the test reference, or onnxruntime's CUDA libraries (its install script never ran).
    const absent = [
      'lib/node_modules/typescript',
      'lib/node_modules/jest',
      'lib/node_modules/chronotickd/src',
      'lib/node_modules/@chronotick/reference',
      'lib/node_modules/@chronotick/tsfm/test',
    ];
    for (const f of absent) {
      expect([f, fs.existsSync(path.join(prefix, f))]).toEqual([f, false]);
    }
    expect(listTree(prefix).filter((p) => /providers_(cuda|tensorrt)/.test(p))).toEqual([]);
    // Every link (the bin/ entries) resolves inside the prefix, never back into the checkout.
    for (const rel of listTree(prefix)) {
      const abs = path.join(prefix, rel);
      if (fs.lstatSync(abs).isSymbolicLink()) {
        expect([rel, fs.realpathSync(abs).startsWith(prefix + '/')]).toEqual([rel, true]);
      }
    }
    // Nothing the service runs is writable by anyone but root.
    const writable = listTree(prefix).filter((rel) => {
      const st = fs.lstatSync(path.join(prefix, rel));
      return !st.isSymbolicLink() && (st.mode & 0o022) !== 0;
    });
    expect(writable).toEqual([]);

    expect(fs.readFileSync(installed('/etc/chronotick/config.yaml'), 'utf8')).toBe(
      fs.readFileSync(path.join(REPO_ROOT, 'configs/default.yaml'), 'utf8'),
    );
    const unit = fs.readFileSync(installed('/etc/systemd/system/chronotick-mcp.service'), 'utf8');
    expect(unit).not.toMatch(/@NODE@|@PREFIX@/);
    // The unit names the final paths, not the staging root.
    expect(unit).toContain(`ExecStart=${process.execPath} ${PREFIX}/lib/node_modules/chronotickd/bin/chronotickd.js `);
    expect(unit).not.toContain(root);
  },
  INSTALL_TIMEOUT_MS,
);

test('the installed daemon starts from the prefix and answers chronotickctl status --json from the prefix', async () => {
  const socketPath = path.join(dir, 'run', 'chronotickd.sock');
  const prefix = prefixDir();
  // NTP goes to the discard port on loopback: nothing leaves the host.
  const env = cleanEnv({ CHRONOTICK_NTP_SERVERS: '127.0.0.1:9' });
  const daemon = spawn(
    process.execPath,
    [
      path.join(prefix, 'lib/node_modules/chronotickd/bin/chronotickd.js'),
      '--config',
      installed('/etc/chronotick/config.yaml'),
      '--socket',
      socketPath,
      '--state-dir',
      path.join(dir, 'state'),
    ],
    { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  daemon.stdout.on('data', (d: Buffer) => (output += d.toString()));
  daemon.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  try {
    await waitForSocket(socketPath, 15_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${output}`);
    });
    const ctl = path.join(prefix, 'lib/node_modules/chronotickctl/bin/chronotickctl.js');
    const r = await runBinary(ctl, ['--socket', socketPath, 'status', '--json']);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as { pid: number; socket_path: string };
    expect(status.pid).toBe(daemon.pid);
    expect(status.socket_path).toBe(socketPath);
  } finally {
    daemon.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});

test(
  'running it again replaces the code and keeps an edited config',
  () => {
    const config = installed('/etc/chronotick/config.yaml');
    fs.appendFileSync(config, '# edited by the operator\n');
    const before = listTree(root);
    const r = sh(INSTALL, ['--root', root]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`keeping existing ${config}`);
    expect(fs.readFileSync(config, 'utf8')).toContain('# edited by the operator');
    expect(listTree(root)).toEqual(before); // no leftover .new / .old directories
  },
  INSTALL_TIMEOUT_MS,
);

test('refuses to replace a prefix that install.sh did not make', () => {
  const other = path.join(dir, 'other');
  fs.mkdirSync(path.join(other, 'opt/chronotick'), { recursive: true });
  fs.writeFileSync(path.join(other, 'opt/chronotick/precious'), 'x');
  const r = sh(INSTALL, ['--root', other]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('was not installed by this script; refusing to replace it');
  expect(fs.readdirSync(path.join(other, 'opt'))).toEqual(['chronotick']);
});

test('refuses clearly when not root and not staging', () => {
  // nobody cannot write /etc or /opt anyway, so even a broken check changes nothing.
  for (const script of [INSTALL, UNINSTALL]) {
    const r = sh('runuser', ['-u', 'nobody', '--', 'bash', script], { cwd: '/' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/must run as root .*Use sudo, or --root DIR .* or --dry-run/);
  }
});

test(
  '--platform macos stages the launchd plist and the directories the daemon writes',
  () => {
    const mac = path.join(dir, 'mac');
    const r = sh(INSTALL, ['--root', mac, '--platform', 'macos', '--prefix', '/usr/local/chronotick']);
    expect(r.code).toBe(0);
    const plist = path.join(mac, 'Library/LaunchDaemons/com.chronotick.mcp.plist');
    const script = 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))';
    const parsed = JSON.parse(mustSh('/usr/bin/python3', ['-c', script, plist])) as { ProgramArguments: string[] };
    expect(parsed.ProgramArguments.slice(0, 2)).toEqual([
      process.execPath,
      '/usr/local/chronotick/lib/node_modules/chronotickd/bin/chronotickd.js',
    ]);
    expect(fs.existsSync(path.join(mac, 'usr/local/etc/chronotick/config.yaml'))).toBe(true);
    for (const d of ['run', 'lib', 'log']) {
      expect(fs.statSync(path.join(mac, `usr/local/var/${d}/chronotick`)).mode & 0o777).toBe(0o750);
    }
    const purge = sh(UNINSTALL, ['--root', mac, '--platform', 'macos', '--prefix', '/usr/local/chronotick', '--purge']);
    expect(purge.code).toBe(0);
    expect(listTree(mac).filter((p) => p.includes('chronotick'))).toEqual([]);
  },
  INSTALL_TIMEOUT_MS,
);

test('uninstall.sh removes code and unit, keeps the config unless --purge', () => {
  const dry = sh(UNINSTALL, ['--root', root, '--dry-run']);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain(`+ rm -rf ${prefixDir()}`);
  expect(fs.existsSync(prefixDir())).toBe(true);

  expect(sh(UNINSTALL, ['--root', root]).code).toBe(0);
  expect(listTree(root)).toEqual(['etc', 'etc/chronotick', 'etc/chronotick/config.yaml', 'etc/systemd', 'etc/systemd/system', 'opt']);
  expect(sh(UNINSTALL, ['--root', root, '--purge']).code).toBe(0);
  expect(listTree(root)).toEqual(['etc', 'etc/systemd', 'etc/systemd/system', 'opt']);
});

test('nothing outside the temporary tree was touched', () => {
  expect(snapshotSystem()).toBe(systemBefore);
});
