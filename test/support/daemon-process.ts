import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN } from './paths';

/** A chronotickd started from the built binary on a temp socket, for end-to-end tests. */
export interface RunningDaemon {
  process: ChildProcess;
  socketPath: string;
  stateDir: string;
  dir: string;
  /** Everything the daemon printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * For daemons that tests start without their own NTP setup: a loopback server where
 * nothing listens (so no test ever sends NTP to the internet) and no warm-up.
 */
export const OFFLINE_ENV: Record<string, string> = {
  CHRONOTICK_NTP_SERVERS: '127.0.0.1:9',
  CHRONOTICK_WARMUP: '0',
};

export function tempDir(prefix = 'ct-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Starts the daemon and resolves once its socket accepts connections. Extra args and
 * env are passed through; CHRONOTICK_* from the outer environment are not, so a
 * developer's settings never leak into a test.
 */
export async function startDaemon(
  opts: { args?: string[]; env?: Record<string, string>; config?: string; dir?: string } = {},
): Promise<RunningDaemon> {
  const dir = opts.dir ?? tempDir();
  const socketPath = path.join(dir, 'chronotickd.sock');
  const stateDir = path.join(dir, 'state');
  const args = [BIN.daemon, '--socket', socketPath, '--state-dir', stateDir];
  if (opts.config !== undefined) {
    const configFile = path.join(dir, 'config.yaml');
    fs.writeFileSync(configFile, opts.config);
    args.push('--config', configFile);
  }
  args.push(...(opts.args ?? []));
  const env = opts.config === undefined ? { ...OFFLINE_ENV, ...opts.env } : opts.env;
  const child = spawn(process.execPath, args, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const ready = await Promise.race([waitForSocket(socketPath, 15_000).then(() => true), exited.then(() => false)]);
  if (!ready) throw new Error(`chronotickd exited before listening:\n${output}`);
  return {
    process: child,
    socketPath,
    stateDir,
    dir,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The environment without the caller's CHRONOTICK_* settings, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CHRONOTICK_')) env[key] = value;
  }
  return { ...env, ...extra };
}

export async function waitForSocket(socketPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(socketPath);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${socketPath} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs a binary to completion and returns its exit code and output. */
export function runBinary(
  bin: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Spawns a daemon through any launcher (setpriv, an installed copy) and resolves once
 * `socketPath` accepts; a daemon that never listens fails with everything it printed.
 */
export async function spawnListening(
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; socketPath: string },
): Promise<{ process: ChildProcess; output(): string; exited: Promise<number | null> }> {
  const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitForSocket(opts.socketPath, 15_000);
  } catch (err) {
    child.kill('SIGTERM');
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return { process: child, output: () => output, exited };
}
