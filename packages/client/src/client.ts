import * as net from 'node:net';
import {
  FrameDecoder,
  PROTOCOL_VERSION,
  ProtocolError,
  ResponseSchema,
  decodePayload,
  encodeFrame,
  methods,
  type MethodName,
  type ParamsOf,
  type ResultOf,
} from '@chronotick/protocol';
import { ClientError, ClientErrorCode, START_DAEMON_HINT } from './errors';
import type { TrueTimeInterval } from './ordering';
import { permissionDenied } from './socket-access';
import * as trueTime from './true-time';

export interface ClientOptions {
  /** Socket paths to try in order; the first that accepts is used. */
  socketPaths: string[];
  /** Default per-request timeout, milliseconds. */
  timeoutMs?: number;
  /** Check each result against the method table's schema (default true). */
  validateResults?: boolean;
}

interface Pending {
  method: MethodName;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * A connection to chronotickd. Requests are typed by the protocol's method table, may
 * be pipelined (each waits for the response with its id), and time out on their own.
 * When the connection drops, pending requests fail with CT_CONNECTION_LOST and the
 * next request reconnects.
 */
export class ChronoTickClient {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private connectedPath: string | undefined;

  constructor(private readonly opts: ClientOptions) {
    if (opts.socketPaths.length === 0) throw new Error('ChronoTickClient needs at least one socket path');
  }

  /** The socket path of the current connection, if any. */
  get socketPath(): string | undefined {
    return this.connectedPath;
  }

  /** Connects now (requests also connect on demand). */
  async connect(): Promise<void> {
    await this.ensureConnected();
  }

  async request<M extends MethodName>(
    method: M,
    params: ParamsOf<M> = {} as ParamsOf<M>,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf<M>> {
    if (this.closed) throw new ClientError(ClientErrorCode.Closed, 'the client is closed');
    const socket = await this.ensureConnected();
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new ClientError(
            ClientErrorCode.Timeout,
            `${method} got no answer within ${timeoutMs} ms`,
            'the daemon may be overloaded or stuck; check `chronotickctl status` and its log',
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      socket.write(encodeFrame({ v: PROTOCOL_VERSION, id, method, params }));
    });
  }

  /** The hard interval of the true time now: `{earliest, latest, correctedTime, ...}`. */
  now(): Promise<TrueTimeInterval> {
    return trueTime.now(this);
  }

  /** True only when `tS` (Unix seconds) is certainly past: the whole interval is after it. */
  after(tS: number): Promise<boolean> {
    return trueTime.after(this, tS);
  }

  /** True only when `tS` has certainly not come yet: the whole interval is before it. */
  before(tS: number): Promise<boolean> {
    return trueTime.before(this, tS);
  }

  /** Resolves once `tS` is certainly past (Spanner's commit wait). */
  commitWait(tS: number, options?: trueTime.CommitWaitOptions): Promise<TrueTimeInterval> {
    return trueTime.commitWait(this, tS, options);
  }

  /** The interval of a past host-clock reading, Unix seconds, within the daemon's history. */
  intervalAt(systemTimeS: number): Promise<TrueTimeInterval> {
    return trueTime.intervalAt(this, systemTimeS);
  }

  /** Resolves once the daemon is synchronized, with a hard interval no wider than asked. */
  waitForSync(options?: trueTime.WaitForSyncOptions): Promise<trueTime.SyncResult> {
    return trueTime.waitForSync(this, options);
  }

  close(): void {
    this.closed = true;
    this.failAll(new ClientError(ClientErrorCode.Closed, 'the client was closed'));
    this.socket?.destroy();
    this.socket = undefined;
  }

  private async ensureConnected(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    this.connecting ??= this.connectFirst().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connectFirst(): Promise<net.Socket> {
    const failures: string[] = [];
    let denied: string | undefined;
    for (const socketPath of this.opts.socketPaths) {
      try {
        const socket = await connectOnce(socketPath);
        this.adopt(socket, socketPath);
        return socket;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // EACCES: a socket is there and likely a daemon behind it, just not for us.
        if (code === 'EACCES' || code === 'EPERM') denied ??= socketPath;
        failures.push(`${socketPath} (${code ?? (err as Error).message})`);
      }
    }
    if (denied !== undefined) {
      const { message, hint } = permissionDenied(denied);
      throw new ClientError(ClientErrorCode.PermissionDenied, message, hint, [...this.opts.socketPaths]);
    }
    throw new ClientError(
      ClientErrorCode.DaemonUnreachable,
      `chronotickd is not running: no daemon answered at ${failures.join(', ')}`,
      START_DAEMON_HINT,
      [...this.opts.socketPaths],
    );
  }

  private adopt(socket: net.Socket, socketPath: string): void {
    this.socket = socket;
    this.connectedPath = socketPath;
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const payload of decoder.push(chunk)) this.onPayload(payload);
      } catch (err) {
        this.failAll(new ClientError(ClientErrorCode.BadResponse, `bad frame from daemon: ${String(err)}`));
        socket.destroy();
      }
    });
    socket.on('error', () => undefined); // 'close' follows and fails what is pending
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      this.failAll(new ClientError(ClientErrorCode.ConnectionLost, 'the connection to chronotickd was lost', START_DAEMON_HINT));
    });
  }

  private onPayload(payload: Buffer): void {
    const parsed = ResponseSchema.safeParse(decodePayload(payload));
    if (!parsed.success) return; // not an answer we can match to a request
    const response = parsed.data;
    if (response.id === null || typeof response.id !== 'number') {
      // A connection-level error (bad frame): it concerns every pending request.
      if (!response.ok) this.failAll(ProtocolError.fromWire(response.error));
      return;
    }
    const entry = this.pending.get(response.id);
    if (!entry) return;
    this.pending.delete(response.id);
    clearTimeout(entry.timer);
    if (!response.ok) {
      entry.reject(ProtocolError.fromWire(response.error));
      return;
    }
    if (this.opts.validateResults === false) {
      entry.resolve(response.result);
      return;
    }
    const checked = methods[entry.method].result.safeParse(response.result);
    if (checked.success) entry.resolve(checked.data);
    else entry.reject(new ClientError(ClientErrorCode.BadResponse, `invalid ${entry.method} result: ${checked.error.message}`));
  }

  private failAll(err: Error): void {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(err);
      this.pending.delete(id);
    }
  }
}

function connectOnce(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
