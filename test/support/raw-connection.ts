import * as net from 'node:net';
import { FrameDecoder, decodePayload } from '@chronotick/protocol';

/**
 * A bare socket to the daemon that sends whatever bytes a test wants and collects
 * decoded responses — for the bad-input tests, where ChronoTickClient would refuse.
 */
export class RawConnection {
  readonly responses: Record<string, unknown>[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder();
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.decoder.push(chunk)) {
        this.responses.push(decodePayload(payload) as Record<string, unknown>);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(socketPath: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves when `count` responses have arrived, or the connection closed. */
  async waitFor(count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length < count && !this.closed) {
      if (Date.now() > deadline) throw new Error(`got ${this.responses.length} of ${count} responses`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async waitForClose(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    this.waiters.splice(0).forEach((w) => w());
  }
}
