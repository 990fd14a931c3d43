import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChronoTickClient, ClientError, ClientErrorCode } from '@chronotick/client';

/**
 * For a laptop with no service installed: `chronotick-mcp --start-daemon` starts a
 * private chronotickd as its child when none answers, and stops it when the MCP host
 * goes away. The daemon's output goes to our stderr, never to stdout (the protocol).
 */
export interface PrivateDaemon {
  child: ChildProcess;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 8_000;

/** How to start chronotickd: the package installed beside this one, else `chronotickd` on the PATH. */
export function findDaemonCommand(env: NodeJS.ProcessEnv = process.env): { command: string; args: string[] } {
  try {
    // Beside chronotick-mcp: in one project's node_modules, or among the global packages.
    const entry = path.join(path.dirname(require.resolve('chronotickd/package.json')), 'bin', 'chronotickd.js');
    return { command: process.execPath, args: [entry] };
  } catch {
    // Installed on its own (npm install -g chronotickd) while this runs from npx's cache.
    for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      const candidate = path.join(dir, 'chronotickd');
      if (isExecutable(candidate)) return { command: candidate, args: [] };
    }
    throw new Error(
      'cannot find chronotickd to start: install it (`npm install -g --ignore-scripts chronotickd`) or start the daemon yourself',
    );
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether a daemon answers a ping on one of the paths: `answers`, `denied` (a socket
 * this user may not open — starting another daemon would not help), or `absent`.
 */
export async function probeDaemon(socketPaths: string[]): Promise<'answers' | 'denied' | 'absent'> {
  const probe = new ChronoTickClient({ socketPaths, timeoutMs: 2000 });
  try {
    await probe.request('ping');
    return 'answers';
  } catch (err) {
    return err instanceof ClientError && err.code === ClientErrorCode.PermissionDenied ? 'denied' : 'absent';
  } finally {
    probe.close();
  }
}

/** Starts chronotickd on `socketPath` and resolves once it answers a ping. */
export async function startPrivateDaemon(socketPath: string, log: (line: string) => void): Promise<PrivateDaemon> {
  const { command, args } = findDaemonCommand();
  const child = spawn(command, [...args, '--socket', socketPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  child.stdout?.on('data', (d: Buffer) => log(`chronotickd: ${d.toString().trimEnd()}`));
  child.stderr?.on('data', (d: Buffer) => log(`chronotickd: ${d.toString().trimEnd()}`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the private chronotickd exited with status ${child.exitCode}`);
    if ((await probeDaemon([socketPath])) === 'answers') break;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`the private chronotickd did not answer on ${socketPath} within ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
