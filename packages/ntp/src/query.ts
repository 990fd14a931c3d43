/**
 * One NTP client/server exchange over UDP. The local clock is injected: T1 and
 * T4 are whatever `clock()` returns, so the daemon decides the clock source
 * (a µs-resolution realtime reading; Date.now() alone is 1 ms) and tests can
 * substitute their own.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { encodeClientRequest, unixToNtp, type NtpTimestamp } from './packet';
import { evaluateReply, type NtpQueryResult, type NtpRejection } from './validate';

export interface TimerApi {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const defaultTimers: TimerApi = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface NtpQueryRequest {
  /** Label for results and logs: the server as configured (host[:port]). */
  server: string;
  /** An IP address literal (v4 or v6); resolve names before calling. */
  address: string;
  port: number;
  /** Local realtime clock, Unix seconds with µs resolution. */
  clock: () => number;
  timeoutMs: number;
  /** Refuse samples with a larger uncertainty (reason 'uncertainty_exceeded'). */
  maxUncertaintyS?: number;
  /** T3 of the last reply accepted from this server, to drop replays. */
  previousServerTransmit?: NtpTimestamp | null;
  /** Aborting closes the socket at once; the result is then a 'network' rejection. */
  signal?: AbortSignal;
  timers?: TimerApi;
}

/**
 * Low fraction bits replaced by random ones in our transmit timestamp: 2^22
 * units of 2^-32 s is just under 1 ms, so the value stays an honest
 * millisecond-level clock reading (as RFC 5905 servers expect) while an
 * off-path attacker has 22 bits plus the sub-ms clock phase to guess before a
 * forged reply could match. T1 itself comes from our clock reading, not from
 * this field, so the randomisation costs no accuracy.
 */
export const RANDOM_FRACTION_BITS = 22;

export function randomisedTransmit(t1S: number, random: () => number = randomLow): NtpTimestamp {
  const ts = unixToNtp(t1S);
  const mask = 2 ** RANDOM_FRACTION_BITS - 1;
  const high = ts.fraction - (ts.fraction % (mask + 1));
  return { seconds: ts.seconds, fraction: high + (random() & mask) };
}

function randomLow(): number {
  return randomBytes(4).readUInt32BE(0);
}

/** Replies that cannot be ours or cannot be read: keep listening for the real one. */
const RETRYABLE = new Set(['bad_origin', 'malformed', 'bad_mode']);

/** Where one exchange's datagrams come from; the transport reports through these. */
export interface NtpTransportHandlers {
  /** A datagram from the server. */
  message(data: Uint8Array): void;
  /** The transport failed (a socket error): the exchange ends with a 'network' rejection. */
  error(err: Error): void;
}

/**
 * How one exchange reaches its server: a connected UDP socket in the daemon, a
 * simulated network in `@chronotick/sim`. Everything else about the exchange (T1 and T4
 * reads, the timeout, what counts as a reply) lives in `runNtpExchange`, so the
 * simulator drives the very code the daemon runs.
 */
export interface NtpTransport {
  /** `ready` runs once the request can be sent; T1 is read there. */
  connect(ready: () => void): void;
  send(data: Buffer): void;
  /** Releases everything; called once, when the exchange ends. */
  close(): void;
}

/** Opens the transport for one exchange with a resolved address. */
export type NtpTransportFactory = (
  target: { address: string; port: number; family: 4 | 6 },
  handlers: NtpTransportHandlers,
) => NtpTransport;

export interface NtpExchangeOptions {
  /** 32 random bits for the transmit timestamp's low bits (default: crypto). */
  random?: () => number;
}

/**
 * Send one client request and wait for the reply. Never rejects: every failure
 * is an NtpRejection. A forged or garbled packet does not end the exchange (an
 * attacker could otherwise suppress our samples by spraying junk); if nothing
 * valid arrives before the timeout, the last such reason is reported instead
 * of a bare 'timeout'.
 */
export function queryNtp(req: NtpQueryRequest): Promise<NtpQueryResult> {
  return runNtpExchange(req, udpTransport);
}

/** One exchange over the given transport, with exactly queryNtp's contract. */
export function runNtpExchange(
  req: NtpQueryRequest,
  openTransport: NtpTransportFactory,
  options: NtpExchangeOptions = {},
): Promise<NtpQueryResult> {
  const timers = req.timers ?? defaultTimers;
  const family = isIP(req.address);
  const base = { ok: false as const, server: req.server, address: req.address };
  if (family !== 4 && family !== 6) {
    return Promise.resolve({ ...base, reason: 'dns', detail: `not an IP address: ${req.address}` });
  }
  return new Promise((resolve) => {
    let done = false;
    let timer: unknown = null;
    let lastBad: NtpRejection | null = null;
    let sentTransmit: NtpTimestamp | null = null;
    let t1S = 0;
    let transport: NtpTransport | null = null;

    const finish = (result: NtpQueryResult): void => {
      if (done) return;
      done = true;
      if (timer !== null) timers.clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      transport?.close();
      resolve(result);
    };
    const onAbort = (): void => finish({ ...base, reason: 'network', detail: 'query aborted' });
    if (req.signal?.aborted) {
      onAbort();
      return;
    }
    req.signal?.addEventListener('abort', onAbort);

    const opened = openTransport(
      { address: req.address, port: req.port, family },
      {
        error: (err) => finish({ ...base, reason: 'network', detail: err.message }),
        message: (msg) => {
          // Read T4 first: everything after this line is processing, not path delay.
          const t4S = req.clock();
          if (sentTransmit === null) return;
          const result = evaluateReply(msg, {
            server: req.server,
            address: req.address,
            sentTransmit,
            t1S,
            t4S,
            previousServerTransmit: req.previousServerTransmit ?? null,
            ...(req.maxUncertaintyS !== undefined ? { maxUncertaintyS: req.maxUncertaintyS } : {}),
          });
          if (!result.ok && RETRYABLE.has(result.reason)) {
            lastBad = result;
            return;
          }
          finish(result);
        },
      },
    );
    transport = opened;

    timer = timers.setTimeout(() => {
      finish(lastBad ?? { ...base, reason: 'timeout', detail: `no reply from ${req.address}:${req.port} within ${req.timeoutMs} ms` });
    }, req.timeoutMs);

    opened.connect(() => {
      if (done) return;
      // T1 is read just before send(). Reading it after would shave Node's send
      // overhead off the delay, but that overhead partly follows the syscall: against
      // chronyd (kernel timestamps) T1-after gave negative delays and a −120 µs bias,
      // T1-before gives medians within ±50 µs. The datagram leaves within the measured
      // round trip either way, so the δ/2 bound covers it.
      t1S = req.clock();
      sentTransmit = randomisedTransmit(t1S, options.random);
      opened.send(encodeClientRequest(sentTransmit));
    });
  });
}

/**
 * A connected UDP socket: it only receives datagrams from the server's address and
 * port, so the kernel already drops off-path packets from elsewhere.
 */
const udpTransport: NtpTransportFactory = ({ address, port, family }, handlers) => {
  const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
  // T4 is read when the event loop wakes for the reply. A process idle in epoll
  // wakes late (hundreds of µs on a VM), which would bias the offset by half that;
  // a 1 ms heartbeat while the exchange is in flight keeps the wake-up prompt.
  const keepWarm = setInterval(() => undefined, 1);
  socket.on('error', (err) => handlers.error(err));
  socket.on('message', (msg) => handlers.message(msg));
  return {
    connect: (ready) => socket.connect(port, address, ready),
    send: (data) =>
      socket.send(data, (err) => {
        if (err) handlers.error(err);
      }),
    close: () => {
      clearInterval(keepWarm);
      socket.removeAllListeners('message');
      // close() can throw if the socket never bound; the result is already decided.
      try {
        socket.close();
      } catch {
        /* already closed */
      }
    },
  };
};
