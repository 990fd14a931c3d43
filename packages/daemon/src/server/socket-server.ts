import type * as net from 'node:net';
import {
  ErrorCode,
  FrameDecoder,
  FrameTooLargeError,
  PayloadDecodeError,
  ProtocolError,
  decodePayload,
  encodeFrame,
  type Response,
} from '@chronotick/protocol';
import { dispatch, errorResponse, requestIdOf, type Handlers } from './dispatch';
import { RateLimiter } from './rate-limiter';
import type { RequestStats } from './request-stats';
import type { Logger } from '../log';

/** A connection idle this long in the middle of a frame is closed. */
const PARTIAL_FRAME_TIMEOUT_MS = 30_000;

export interface SocketServerOptions {
  handlers: Handlers;
  stats: RequestStats;
  logger: Logger;
  ratePerSecond: number;
  /** Monotonic seconds, for rate limiting and latency. */
  monotonicS: () => number;
}

/**
 * Serves the framed msgpack protocol on a listening net.Server. Each connection has its
 * own decoder and rate limiter; a connection that breaks the framing is closed without
 * affecting any other. Requests on one connection may be pipelined; each response
 * carries its request id.
 */
export class SocketServer {
  private readonly connections = new Set<net.Socket>();
  private readonly corked = new Set<net.Socket>();
  /** Requests of each connection still being answered, and what waits for them. */
  private readonly pendingBySocket = new Map<net.Socket, number>();
  private readonly afterPending = new Map<net.Socket, () => void>();
  private inFlight = 0;
  private draining = false;
  /** Read once: checking the level per request would cost more than the request. */
  private readonly traceRequests: boolean;
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly server: net.Server,
    private readonly opts: SocketServerOptions,
  ) {
    this.traceRequests = opts.logger.isLevelEnabled('trace');
    server.on('connection', (socket) => this.accept(socket));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting, lets in-flight requests finish (up to `timeoutMs`), then closes
   * every connection. New requests on open connections get CT_SHUTTING_DOWN meanwhile.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.drainWaiters.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
    }
    for (const socket of this.connections) socket.end();
    // Sockets that do not close politely are cut, so shutdown never hangs on a client.
    const cutTimer = setTimeout(() => {
      for (const socket of this.connections) socket.destroy();
    }, 500);
    cutTimer.unref();
    await closed;
    clearTimeout(cutTimer);
  }

  private accept(socket: net.Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    this.connections.add(socket);
    const decoder = new FrameDecoder();
    const limiter = new RateLimiter(this.opts.ratePerSecond, this.opts.monotonicS());
    socket.on('data', (chunk: Buffer) => {
      let payloads: Buffer[];
      try {
        payloads = decoder.push(chunk);
      } catch (err) {
        this.rejectFraming(socket, err);
        return;
      }
      for (const payload of payloads) this.handlePayload(socket, payload, limiter);
      if (decoder.failure) this.rejectFraming(socket, decoder.failure);
    });
    // An idle connection is fine; one that stopped halfway through a frame is holding a
    // buffer for nothing (a crashed or hostile client), so it is closed.
    socket.setTimeout(PARTIAL_FRAME_TIMEOUT_MS);
    socket.on('timeout', () => {
      if (decoder.pendingBytes > 0) socket.destroy();
    });
    socket.on('drain', () => socket.resume());
    socket.on('error', (err) => this.opts.logger.debug(`connection error: ${err.message}`));
    socket.on('close', () => {
      this.connections.delete(socket);
      this.pendingBySocket.delete(socket);
      this.afterPending.delete(socket);
    });
  }

  /** Answers what came before the bad frame, then the framing error, then closes. */
  private rejectFraming(socket: net.Socket, err: unknown): void {
    socket.removeAllListeners('data');
    const pending = this.pendingBySocket.get(socket) ?? 0;
    if (pending > 0) {
      this.afterPending.set(socket, () => this.rejectFraming(socket, err));
      return;
    }
    const detail = err instanceof FrameTooLargeError ? err.message : String(err);
    this.opts.logger.debug(`closing connection: ${detail}`);
    this.opts.stats.recordError();
    const error = new ProtocolError(ErrorCode.FrameTooLarge, detail, {
      hint: 'frames are a 4-byte big-endian payload length then at most 65536 bytes of msgpack',
    });
    this.send(socket, errorResponse(null, error));
    socket.end();
  }

  private handlePayload(socket: net.Socket, payload: Buffer, limiter: RateLimiter): void {
    const startS = this.opts.monotonicS();
    let message: unknown;
    try {
      message = decodePayload(payload);
    } catch (err) {
      const detail = err instanceof PayloadDecodeError ? err.message : String(err);
      this.finish(socket, errorResponse(null, new ProtocolError(ErrorCode.BadRequest, detail)), startS);
      return;
    }
    if (this.draining) {
      this.finish(socket, this.refusal(message, ErrorCode.ShuttingDown, 'the daemon is shutting down', 'retry in a few seconds'), startS);
      return;
    }
    if (!limiter.tryTake(startS)) {
      this.finish(
        socket,
        this.refusal(message, ErrorCode.RateLimited, 'too many requests on this connection', 'slow down: see server.rate_limit_per_second'),
        startS,
      );
      return;
    }
    this.inFlight++;
    this.pendingBySocket.set(socket, (this.pendingBySocket.get(socket) ?? 0) + 1);
    void dispatch(message, this.opts.handlers).then((response) => {
      this.inFlight--;
      this.finish(socket, response, startS);
      if (this.inFlight === 0) this.drainWaiters.splice(0).forEach((resolve) => resolve());
      const pending = this.pendingBySocket.get(socket);
      if (pending === undefined) return; // the connection has closed meanwhile
      const left = pending - 1;
      this.pendingBySocket.set(socket, left);
      if (left === 0) {
        const next = this.afterPending.get(socket);
        this.afterPending.delete(socket);
        next?.();
      }
    });
  }

  private refusal(message: unknown, code: ErrorCode, text: string, hint: string): Response {
    const id = requestIdOf(message);
    return errorResponse(id, new ProtocolError(code, text, { hint }));
  }

  private finish(socket: net.Socket, response: Response, startS: number): void {
    if (this.traceRequests) {
      const latencyUs = ((this.opts.monotonicS() - startS) * 1e6).toFixed(0);
      const outcome = response.ok ? 'ok' : response.error.code;
      this.opts.logger.trace(`request id=${String(response.id)} ${outcome} in ${latencyUs} µs`);
    }
    if (response.ok) this.opts.stats.recordSuccess(this.opts.monotonicS() - startS);
    else this.opts.stats.recordError(response.error.message);
    this.send(socket, response);
  }

  private send(socket: net.Socket, response: Response): void {
    if (socket.destroyed || !socket.writable) return;
    let frame: Buffer;
    try {
      frame = encodeFrame(response);
    } catch (err) {
      this.opts.logger.error(`cannot encode response: ${String(err)}`);
      frame = encodeFrame(errorResponse(response.id, new ProtocolError(ErrorCode.Internal, 'response too large to send')));
    }
    // One write(2) per connection per tick, not per response: pipelined clients get
    // their answers batched, which the bench showed halves the CPU per request.
    if (!this.corked.has(socket)) {
      this.corked.add(socket);
      socket.cork();
      process.nextTick(() => {
        this.corked.delete(socket);
        socket.uncork();
      });
    }
    // Backpressure: stop reading from a client that does not read its answers.
    if (!socket.write(frame)) socket.pause();
  }
}
