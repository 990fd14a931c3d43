import * as net from 'node:net';
import {
  FrameDecoder,
  PROTOCOL_VERSION,
  ResponseSchema,
  decodePayload,
  encodeFrame,
  type MethodName,
  type Response,
} from '@chronotick/protocol';

/**
 * A pipelining connection that numbers its own requests and holds the daemon to the id
 * contract: every response must be well-formed, carry the id of a request still waiting,
 * and come once. ChronoTickClient drops what it cannot match; this records it instead.
 */
export class IdCheckingConnection {
  /** Everything that broke the contract, in words; a test expects this to stay empty. */
  readonly violations: string[] = [];
  private readonly pending = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
  private readonly answered = new Set<number>();
  private readonly decoder = new FrameDecoder();
  private nextId = 1;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.decoder.push(chunk)) this.onPayload(payload);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      for (const { reject } of this.pending.values()) reject(new Error('connection closed with requests pending'));
      this.pending.clear();
    });
  }

  static open(socketPath: string): Promise<IdCheckingConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new IdCheckingConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one request; resolves with its response, error responses included. */
  request(method: MethodName, params: Record<string, unknown>, timeoutMs = 30_000): Promise<Response> {
    const id = this.nextId++;
    return new Promise<Response>((resolve, reject) => {
      // A lost response must fail the test, not hang it until jest's own timeout.
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no response for id ${id} (${method}) within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = {
        resolve: (r: Response) => (clearTimeout(timer), resolve(r)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      this.pending.set(id, settle);
      this.socket.write(encodeFrame({ v: PROTOCOL_VERSION, id, method, params }));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onPayload(payload: Buffer): void {
    const parsed = ResponseSchema.safeParse(decodePayload(payload));
    if (!parsed.success) {
      this.violations.push(`malformed response: ${parsed.error.message}`);
      return;
    }
    const { id } = parsed.data;
    if (typeof id !== 'number') {
      this.violations.push(`response with id ${JSON.stringify(id)} to a client that only sends numeric ids`);
      return;
    }
    const entry = this.pending.get(id);
    if (!entry) {
      this.violations.push(this.answered.has(id) ? `second response for id ${id}` : `response for unknown id ${id}`);
      return;
    }
    this.pending.delete(id);
    this.answered.add(id);
    entry.resolve(parsed.data);
  }
}
