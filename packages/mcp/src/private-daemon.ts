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

/** Where chronotickd's entry point is: the workspace package, else the sibling folder. */
export function findDaemonEntry(): string {
  try {
    return path.join(path.dirname(require.resolve('chronotickd/package.json')), 'bin', 'chronotickd.js');
  } catch {
    const sibling = path.resolve(__dirname, '..', '..', '..', 'daemon', 'bin', 'chronotickd.js');
    if (fs.existsSync(sibling)) return sibling;
    throw new Error('cannot find chronotickd next to chronotick-mcp; install the whole project or start the daemon yourself');
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
  const entry = findDaemonEntry();
  const child = spawn(process.execPath, [entry, '--socket', socketPath], {
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
