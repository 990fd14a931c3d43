import * as fs from 'node:fs';
import * as path from 'node:path';

/** One served correction, as the audit log records it. */
export interface AuditEntry {
  /** Host-clock Unix seconds when the correction was installed. */
  time: number;
  offset_s: number;
  uncertainty_s: number;
  drift_rate: number;
  source: string;
  clock_status: string;
  /** Servers whose samples made this correction (survivors of selection). */
  servers: string[];
}

export interface AuditLogOptions {
  file: string;
  /** Rotate once the file would grow past this many bytes. */
  maxBytes: number;
  /** Rotated files kept: file.1 (newest) … file.N. */
  keep: number;
  onError: (err: Error) => void;
}

/**
 * An append-only JSON-lines record of every correction the daemon served, so an
 * operator can later tell what time the host was told and on whose word. Writes are
 * queued and asynchronous (never on the request path); rotation bounds the disk used
 * to about maxBytes × (keep + 1).
 */
export class AuditLog {
  private queue: Promise<void> = Promise.resolve();
  private sizeBytes: number | undefined;

  constructor(private readonly opts: AuditLogOptions) {}

  write(entry: AuditEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    this.queue = this.queue.then(() => this.append(line)).catch((err: Error) => this.opts.onError(err));
  }

  /** Resolves when everything written so far is on disk. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async append(line: string): Promise<void> {
    const bytes = Buffer.byteLength(line);
    if (this.sizeBytes === undefined) {
      await fs.promises.mkdir(path.dirname(this.opts.file), { recursive: true, mode: 0o750 });
      this.sizeBytes = await fs.promises.stat(this.opts.file).then(
        (s) => s.size,
        () => 0,
      );
    }
    if (this.sizeBytes > 0 && this.sizeBytes + bytes > this.opts.maxBytes) {
      await this.rotate();
      this.sizeBytes = 0;
    }
    await fs.promises.appendFile(this.opts.file, line, { mode: 0o640 });
    this.sizeBytes += bytes;
  }

  private async rotate(): Promise<void> {
    const { file, keep } = this.opts;
    await fs.promises.rm(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      await fs.promises.rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => undefined);
    }
    if (keep >= 1) await fs.promises.rename(file, `${file}.1`);
    else await fs.promises.rm(file, { force: true });
  }
}
