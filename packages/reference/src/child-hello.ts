import type { ChildProcess } from 'node:child_process';

/**
 * The one JSON line a helper process prints on stdout once it listens (its port, its
 * origin). Rejects if the process cannot be started (`spawnError` words why) or exits
 * before saying it.
 */
export function childHello<T>(child: ChildProcess, name: string, spawnError?: (err: Error) => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(out.slice(0, newline)) as T);
    });
    child.once('error', (err) => reject(spawnError ? spawnError(err) : err));
    child.once('exit', (code) => reject(new Error(`${name} exited with status ${String(code)}`)));
  });
}
