import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Every process and temp directory the bench creates, so that a failure, Ctrl-C or a
 * crash of the bench itself never leaves a daemon running or a socket file behind.
 */
export class ProcessRegistry {
  private readonly children = new Set<ChildProcess>();
  private readonly foreignPids = new Set<number>();
  private readonly dirs: string[] = [];

  constructor() {
    // Last resort: 'exit' handlers must be synchronous, so SIGKILL and rmSync only.
    process.once('exit', () => this.killAllNow());
  }

  tempDir(prefix = 'ct-bench-'): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  spawnNode(args: string[], options: SpawnOptions = {}): ChildProcess {
    return this.spawn(process.execPath, args, options);
  }

  /** Any program (chronyd), reaped like the bench's own node processes. */
  spawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** A process spawned by someone else (the MCP SDK's transport) that we must still reap. */
  adoptPid(pid: number): void {
    this.foreignPids.add(pid);
  }

  /** The adopted process has exited; forget it so its pid, once reused, is never signalled. */
  forgetPid(pid: number): void {
    this.foreignPids.delete(pid);
  }

  /** SIGTERM, then SIGKILL whatever has not exited within `graceMs`. */
  async stop(child: ChildProcess, graceMs = 3000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children].map((child) => this.stop(child)));
    this.killAllNow();
  }

  private killAllNow(): void {
    for (const child of this.children) child.kill('SIGKILL');
    for (const pid of this.foreignPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.foreignPids.clear();
    for (const dir of this.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}
