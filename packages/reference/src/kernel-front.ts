import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { childHello } from './child-hello';

/**
 * The kernel-timestamp front (bin/kernel-stamp-front.py): a small Python process that
 * owns the reference's public port, reads each request's kernel receive time and
 * stamps T3 just before it sends, so the reference's own timestamps carry no Node
 * event-loop latency (200–500 µs on a VM, which a kernel-timestamping client such as
 * chronyd would see whole, as half of it in offset). See the script for the framing.
 */
export interface KernelFront {
  /** The public port clients query. */
  port: number;
  close(): Promise<void>;
}

/** Frames between the front and the reference: id (u32) and receive time in Unix ns (i64); id and T3 shift in s (f64). */
export const FRONT_REQUEST_HEADER_BYTES = 12;
export const FRONT_REPLY_HEADER_BYTES = 12;

const SCRIPT = path.resolve(__dirname, '..', 'bin', 'kernel-stamp-front.py');

/**
 * The Python interpreter to run the front with: $CHRONOTICK_PYTHON, else Debian's own
 * (a python3 first on the PATH may be a version manager's shim that needs a set-up
 * home), else python3 on the PATH.
 */
function pythonBinary(): string {
  return process.env['CHRONOTICK_PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** Starts the front on `host`, forwarding to the reference's backend socket at `backendPort`. */
export async function startKernelFront(host: string, backendPort: number): Promise<KernelFront> {
  const python = pythonBinary();
  const child: ChildProcess = spawn(python, [SCRIPT, '--host', host, '--backend-port', String(backendPort)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const { port } = await childHello<{ port: number }>(
    child,
    'kernel-stamp-front',
    (err) => new Error(`kernel timestamps need Python 3 (${python}: ${err.message}); install python3 or set CHRONOTICK_PYTHON`),
  );
  return {
    port,
    close: async () => {
      // The front exits when its stdin closes; a signal is the fallback.
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
