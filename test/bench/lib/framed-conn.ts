import * as net from 'node:net';
import { FrameDecoder, decodePayload, encodeFrame } from '@chronotick/protocol';

/**
 * A bare framed-msgpack connection for measuring: no schema checks and no id
 * bookkeeping, so the client adds as little as possible to what it measures. The same
 * class talks to the daemon and to the echo server, so both pay the same client cost.
 */
export class FramedConnection {
  /** Called with each complete response payload (still msgpack). */
  onPayload: (payload: Buffer) => void = () => undefined;
  private readonly decoder = new FrameDecoder();

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.decoder.push(chunk)) this.onPayload(payload);
    });
  }

  static connect(socketPath: string, timeoutMs = 5000): Promise<FramedConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${socketPath} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', () => undefined); // 'close' is what matters after connect
        resolve(new FramedConnection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  send(frame: Buffer): void {
    this.socket.write(frame);
  }

  /** One request, waiting for the next response; for sequential use only. */
  request(method: string, id: number, params: Record<string, unknown> = {}, timeoutMs = 5000): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method} got no answer within ${timeoutMs} ms`)), timeoutMs);
      this.onPayload = (payload) => {
        clearTimeout(timer);
        resolve(decodePayload(payload));
      };
      this.send(encodeFrame({ v: 1, id, method, params }));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Throws unless `message` is a successful response to request `id`. */
export function expectOk(message: unknown, id: number | null, what: string): Record<string, unknown> {
  const m = message as { ok?: unknown; id?: unknown; result?: unknown; error?: { code?: string; message?: string } };
  if (m?.ok !== true || (id !== null && m.id !== id)) {
    const detail = m?.error ? `${m.error.code}: ${m.error.message}` : JSON.stringify(message).slice(0, 200);
    throw new Error(`${what} answered with an error or the wrong id: ${detail}`);
  }
  return m.result as Record<string, unknown>;
}
