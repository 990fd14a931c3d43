import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './support/daemon-process';
import { DEPLOY_DIR, sh } from './support/deploy-system';
import { REPO_ROOT } from './support/paths';

// The systemd unit and launchd plists are checked with the tools that read them:
// Debian's systemd-analyze and python3's plistlib. A missing tool fails the test
// (never a skip), since then nothing would have been checked.

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const PYTHON = '/usr/bin/python3';
const UNIT_TEMPLATE = path.join(DEPLOY_DIR, 'systemd/chronotick-mcp.service');

function requireTool(tool: string, pkg: string): void {
  if (!fs.existsSync(tool)) {
    throw new Error(`${tool} is missing: install Debian's ${pkg} package (apt-get install ${pkg})`);
  }
}

/** The template with @NODE@ and @PREFIX@ filled as install.sh would, pointing at this checkout. */
function renderUnit(dir: string, edit: (text: string) => string = (t) => t): string {
  const text = fs.readFileSync(UNIT_TEMPLATE, 'utf8').replaceAll('@NODE@', process.execPath).replaceAll('@PREFIX@', REPO_ROOT);
  const file = path.join(dir, 'chronotick-mcp.service');
  fs.writeFileSync(file, edit(text));
  return file;
}

/** systemd-analyze verify: exit code plus every complaint about our file. */
function verify(file: string): { code: number | null; complaints: string[]; output: string } {
  const r = sh(SYSTEMD_ANALYZE, ['verify', '--man=no', file]);
  const output = r.stdout + r.stderr;
  // Unknown keys and bad values are only warnings ("..., ignoring") with exit 0, so
  // any line that names our file or unit counts.
  const complaints = output.split('\n').filter((l) => l.includes('chronotick-mcp.service'));
  return { code: r.code, complaints, output };
}

/** The unit's directives as key -> values (a key may repeat). */
function directives(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

describe('systemd unit deploy/systemd/chronotick-mcp.service', () => {
  let dir: string;
  beforeAll(() => {
    requireTool(SYSTEMD_ANALYZE, 'systemd');
    dir = tempDir('ct-unit-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('systemd-analyze verify accepts it without a single complaint', () => {
    const result = verify(renderUnit(dir));
    expect(result.complaints).toEqual([]);
    expect(result.code).toBe(0);
  });

  test('the check has teeth: a misspelt key, a bad value or a missing binary is caught', () => {
    const broken = verify(renderUnit(dir, (t) => t.replace('ProtectHome=yes', 'ProtectHome=maybe\nProtectHomes=yes')));
    expect(broken.complaints.join('\n')).toMatch(/Unknown key 'ProtectHomes'/);
    expect(broken.complaints.join('\n')).toMatch(/Failed to parse .*ignoring: maybe/);
    const noNode = verify(renderUnit(dir, (t) => t.replace(process.execPath, '/nonexistent/node')));
    expect(noNode.code).not.toBe(0);
    expect(noNode.complaints.join('\n')).toMatch(/\/nonexistent\/node is not executable/);
  });

  test('runs the daemon (not the MCP adapter) as chronotick with the directories it needs', () => {
    const d = directives(fs.readFileSync(UNIT_TEMPLATE, 'utf8'));
    const exec = d.get('ExecStart')![0]!;
    expect(exec).toMatch(/^@NODE@ @PREFIX@\/lib\/node_modules\/chronotickd\/bin\/chronotickd\.js /);
    expect(exec).toContain('--config /etc/chronotick/config.yaml');
    expect(exec).not.toContain('chronotick-mcp');
    expect(d.get('User')).toEqual(['chronotick']);
    expect(d.get('Group')).toEqual(['chronotick']);
    expect(d.get('RuntimeDirectory')).toEqual(['chronotick']);
    expect(d.get('RuntimeDirectoryMode')).toEqual(['0750']);
    expect(d.get('StateDirectory')).toEqual(['chronotick']);
    expect(d.get('ConfigurationDirectory')).toEqual(['chronotick']);
    expect(d.get('Restart')).toEqual(['on-failure']);
    expect(d.get('Alias')).toEqual(['chronotickd.service']);
    expect(d.get('WantedBy')).toEqual(['multi-user.target']);
    // Longer than the daemon's 5 s drain (server.drain_timeout_seconds).
    expect(Number(d.get('TimeoutStopSec')![0])).toBeGreaterThan(5);
  });

  test('is hardened: never sets the clock, no capabilities, only UDP/TCP and Unix sockets', () => {
    const d = directives(fs.readFileSync(UNIT_TEMPLATE, 'utf8'));
    for (const key of [
      'NoNewPrivileges',
      'ProtectHome',
      'PrivateTmp',
      'PrivateDevices',
      'ProtectClock',
      'ProtectKernelTunables',
      'ProtectKernelModules',
      'ProtectControlGroups',
      'RestrictNamespaces',
      'LockPersonality',
    ]) {
      expect([key, d.get(key)]).toEqual([key, ['yes']]);
    }
    expect(d.get('ProtectSystem')).toEqual(['strict']);
    expect(d.get('CapabilityBoundingSet')).toEqual(['']);
    expect(d.get('RestrictAddressFamilies')).toEqual(['AF_UNIX AF_INET AF_INET6']);
    expect(d.get('SystemCallArchitectures')).toEqual(['native']);
    expect(d.get('UMask')).toEqual(['0007']);
    // V8's JIT needs writable-then-executable memory; the unit says so instead.
    expect(d.has('MemoryDenyWriteExecute')).toBe(false);
  });

  test("systemd-analyze security rates the service's exposure low", () => {
    const r = sh(SYSTEMD_ANALYZE, ['security', '--offline=true', '--man=no', renderUnit(dir)]);
    const m = /Overall exposure level for chronotick-mcp\.service: ([\d.]+)/.exec(r.stdout + r.stderr);
    expect(m).not.toBeNull();
    // 0 is fully locked down, 10 is unprotected; systemd calls up to 2.0 "OK".
    expect(Number(m![1])).toBeLessThanOrEqual(2.0);
  });
});

describe('launchd plists', () => {
  /** Parses a plist with python3's plistlib and returns it as JSON. */
  function loadPlist(file: string): Record<string, unknown> {
    const script = 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))';
    const r = sh(PYTHON, ['-c', script, file]);
    if (r.code !== 0) throw new Error(`plistlib rejected ${file}:\n${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  /** Keys launchd needs to run the daemon and keep it running, with absolute paths. */
  function expectRunnableDaemon(plist: Record<string, unknown>): string[] {
    expect(plist.Label).toBe('com.chronotick.mcp');
    const args = plist.ProgramArguments as string[];
    expect(Array.isArray(args)).toBe(true);
    expect(args[0]).toBe('@NODE@'); // install.sh replaces it with node's absolute path
    expect(args[1]).toBe('@PREFIX@/lib/node_modules/chronotickd/bin/chronotickd.js');
    // Every path argument is absolute once the placeholders are filled: launchd
    // expands neither ~ nor $VARIABLES.
    for (const [i, arg] of args.entries()) {
      if (i >= 2 && args[i - 1]!.startsWith('--')) expect(arg).toMatch(/^(\/|@HOME@\/)/);
      expect(arg).not.toMatch(/^~|\$/);
    }
    expect(args).toEqual(expect.arrayContaining(['--config', '--socket', '--state-dir']));
    expect(plist.RunAtLoad).toBe(true);
    expect(plist.KeepAlive).toEqual({ SuccessfulExit: false });
    for (const key of ['StandardOutPath', 'StandardErrorPath']) {
      expect(String(plist[key])).toMatch(/^(\/|@HOME@\/).*\.log$/);
    }
    expect(Number(plist.ExitTimeOut)).toBeGreaterThan(5);
    return args;
  }

  beforeAll(() => requireTool(PYTHON, 'python3'));

  test('system daemon form: runs chronotickd as chronotick with its socket and state paths', () => {
    const plist = loadPlist(path.join(DEPLOY_DIR, 'launchd/com.chronotick.mcp.plist'));
    const args = expectRunnableDaemon(plist);
    expect(plist.UserName).toBe('chronotick');
    expect(plist.GroupName).toBe('chronotick');
    expect(plist.Umask).toBe(7);
    const env = plist.EnvironmentVariables as Record<string, string>;
    expect(env.CHRONOTICK_SOCKET).toBe(args[args.indexOf('--socket') + 1]);
    expect(env.STATE_DIRECTORY).toBe(args[args.indexOf('--state-dir') + 1]);
    expect(String(plist.StandardOutPath)).toMatch(/^\/usr\/local\/var\/log\/chronotick\//);
  });

  test('per-user LaunchAgent form: no UserName, everything under the home directory', () => {
    const plist = loadPlist(path.join(DEPLOY_DIR, 'launchd/user/com.chronotick.mcp.plist'));
    const args = expectRunnableDaemon(plist);
    expect(plist.UserName).toBeUndefined();
    expect(args[args.indexOf('--socket') + 1]).toMatch(/^@HOME@\//);
  });
});
