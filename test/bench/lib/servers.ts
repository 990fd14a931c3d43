import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FramedConnection, expectOk } from './framed-conn';
import type { ProcessRegistry } from './processes';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const BIN = {
  daemon: path.join(REPO_ROOT, 'packages/daemon/bin/chronotickd.js'),
  mcp: path.join(REPO_ROOT, 'packages/mcp/bin/chronotick-mcp.js'),
  echo: path.join(__dirname, 'echo-server.js'),
} as const;

/**
 * NTP servers for every daemon the bench starts: a loopback port where nothing answers,
 * so a bench never sends traffic off this machine (the default config names public
 * pools). Sections that need real NTP answers start the programmable reference on
 * loopback and pass its address instead.
 */
export const SILENT_LOOPBACK_NTP = '127.0.0.1:1';

export type ServerKind = 'daemon' | 'echo';

export interface ServerHandle {
  kind: ServerKind;
  child: ChildProcess;
  pid: number;
  socketPath: string;
  /** From spawn to the first ping answered, milliseconds. */
  startupMs: number;
  output(): string;
}

/** The environment without the caller's CHRONOTICK_* settings, plus `extra`. */
export function benchEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CHRONOTICK_') && value !== undefined) env[key] = value;
  }
  return { ...env, CHRONOTICK_NTP_SERVERS: SILENT_LOOPBACK_NTP, CHRONOTICK_LOG_LEVEL: 'warn', ...extra };
}

/** Spawns a daemon or the echo floor on a fresh temp socket; resolves once it answers a ping. */
export async function startServer(
  registry: ProcessRegistry,
  kind: ServerKind,
  opts: { env?: Record<string, string>; extraArgs?: string[] } = {},
): Promise<ServerHandle> {
  const dir = registry.tempDir(`ct-bench-${kind}-`);
  const socketPath = path.join(dir, `${kind}.sock`);
  const args =
    kind === 'daemon'
      ? [BIN.daemon, '--socket', socketPath, '--state-dir', path.join(dir, 'state'), ...(opts.extraArgs ?? [])]
      : [BIN.echo, socketPath, ...(opts.extraArgs ?? [])];
  const startNs = process.hrtime.bigint();
  const child = registry.spawnNode(args, { env: benchEnv(opts.env) });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await waitForPing(socketPath, child, 15_000);
  } catch (err) {
    await registry.stop(child);
    throw new Error(`${kind} did not start: ${(err as Error).message}\n${output}`);
  }
  const startupMs = Number(process.hrtime.bigint() - startNs) / 1e6;
  if (child.pid === undefined) throw new Error(`${kind} has no pid`);
  return { kind, child, pid: child.pid, socketPath, startupMs, output: () => output };
}

/** Polls until the socket accepts and answers `ping`; fails fast if the child exits. */
async function waitForPing(socketPath: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadlineNs = process.hrtime.bigint() + BigInt(timeoutMs) * 1_000_000n;
  while (process.hrtime.bigint() < deadlineNs) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    let conn: FramedConnection | undefined;
    try {
      conn = await FramedConnection.connect(socketPath, 1000);
      expectOk(await conn.request('ping', 1, {}, 2000), 1, 'ping');
      return;
    } catch {
      // Not listening yet: poll often, since start-up time is one of the figures.
      await new Promise((resolve) => setTimeout(resolve, 2));
    } finally {
      conn?.close();
    }
  }
  throw new Error(`no answer to ping on ${socketPath} within ${timeoutMs} ms`);
}

/** Resident set size of a live process, MiB, from /proc (Linux only). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}
