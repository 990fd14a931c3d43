/**
 * A programmable NTP server on loopback for tests, the demo and the bench. The
 * time it serves is host time + offset(t), with offset(t) from a pure, seeded
 * model (initial offset, drift, random-walk wander, a sinusoidal temperature-
 * like term), so a test can ask `trueOffsetAt` and compare. Path jitter and
 * asymmetry are emulated in the timestamps (T2 later, T3 earlier by the
 * one-way extra delays): that is exactly what real path delay does to the
 * client's arithmetic, at sub-ms precision no timer could give.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { SystemHostClock, decodePacket, encodePacket, unixToNtp, type LeapIndicator, type NtpTimestamp } from '@chronotick/ntp';
import { SeededRandom } from '@chronotick/tsfm';
import { FRONT_REPLY_HEADER_BYTES, FRONT_REQUEST_HEADER_BYTES, startKernelFront, type KernelFront } from './kernel-front';
import { offsetModel, type OffsetModelParams } from './offset-model';

let sharedClock: (() => number) | undefined;
/** One µs realtime reader per process (the daemon's own), so all parties read time alike. */
export function sharedRealtimeClock(): () => number {
  if (!sharedClock) {
    const clock = new SystemHostClock();
    sharedClock = () => clock.now().realtimeS;
  }
  return sharedClock;
}

export type ReferenceFault =
  'none' | 'silent' | 'kod_rate' | 'kod_deny' | 'kod_rstr' | 'wrong_origin' | 'li3' | 'stratum16' | 'garbage' | 'short' | 'repeat_transmit';

export interface ReferenceOptions extends OffsetModelParams {
  /** Loopback only. */
  host?: '127.0.0.1' | '::1';
  /** Host realtime clock, Unix s (default: the shared µs clock). */
  clock?: () => number;
  /** σ of the extra one-way delay added to each direction of each exchange. */
  jitterS?: number;
  /** Extra constant delay on the reply path: biases the measured offset by −asymmetry/2. */
  asymmetryS?: number;
  stratum?: number;
  leap?: LeapIndicator;
  rootDelayS?: number;
  rootDispersionS?: number;
  fault?: ReferenceFault;
  /**
   * Take T2 from the kernel and stamp T3 at sendto() through the Python front
   * (kernel-front.ts), rather than in Node's event loop: for comparing clients that
   * timestamp in the kernel (chronyd) with those that do not. Needs python3. The
   * `repeat_transmit` fault repeats the reference's own stamp, not the front's.
   */
  kernelTimestamps?: boolean;
}

/**
 * Sends a reply. A non-null `t3ShiftS` lets the front re-stamp T3 as host time at
 * sending + shift; null keeps the packet's T3 (a repeated one, for the fault).
 */
type ReplySender = (reply: Buffer, t3ShiftS: number | null) => void;

const ascii = (s: string): number => Buffer.from(s.padEnd(4, '\0'), 'ascii').readUInt32BE(0);
const KOD: Partial<Record<ReferenceFault, string>> = { kod_rate: 'RATE', kod_deny: 'DENY', kod_rstr: 'RSTR' };

export class NtpReference {
  fault: ReferenceFault;
  /** Requests received, whatever was answered. */
  requests = 0;
  private lastTransmit: NtpTimestamp | null = null;
  private readonly random: SeededRandom;
  readonly trueOffsetAt: (hostUnixS: number) => number;
  /** Host time at start: the origin of the offset model (drift and wander count from here). */
  readonly originS: number;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly address: string,
    readonly port: number,
    private readonly clock: () => number,
    private readonly opts: ReferenceOptions,
    private readonly front: KernelFront | null,
  ) {
    this.fault = opts.fault ?? 'none';
    this.random = new SeededRandom((opts.seed ?? 1) ^ 0x9e3779b9);
    this.originS = clock();
    this.trueOffsetAt = offsetModel(opts, this.originS);
  }

  static async start(opts: ReferenceOptions = {}): Promise<NtpReference> {
    const host = opts.host ?? '127.0.0.1';
    const socket = dgram.createSocket(host === '::1' ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const ownPort = (socket.address() as AddressInfo).port;
    const clock = opts.clock ?? sharedRealtimeClock();
    if (!opts.kernelTimestamps) {
      const ref = new NtpReference(socket, host, ownPort, clock, opts, null);
      socket.on('message', (msg, rinfo) => ref.onRequest(msg, rinfo));
      return ref;
    }
    // The socket is the backend the front forwards to; clients query the front's port.
    const front = await startKernelFront(host, ownPort).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    const ref = new NtpReference(socket, host, front.port, clock, opts, front);
    socket.on('message', (frame, rinfo) => ref.onFrontFrame(frame, rinfo));
    return ref;
  }

  /** `host:port` as the sampler's server list takes it. */
  get server(): string {
    return this.address.includes(':') ? `[${this.address}]:${this.port}` : `${this.address}:${this.port}`;
  }

  setFault(fault: ReferenceFault): void {
    this.fault = fault;
  }

  /** The time this server serves at a host instant. */
  servedAt(hostS: number): number {
    return hostS + this.trueOffsetAt(hostS);
  }

  private halfNormal(): number {
    return Math.abs(this.random.normal()) * (this.opts.jitterS ?? 0);
  }

  private onRequest(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    // T3 as stamped while encoding: the reply leaves right after.
    this.answer(msg, this.clock(), (reply) => this.socket.send(reply, rinfo.port, rinfo.address));
  }

  /** A request the front forwarded, with its kernel receive time. */
  private onFrontFrame(frame: Buffer, rinfo: dgram.RemoteInfo): void {
    if (frame.length < FRONT_REQUEST_HEADER_BYTES) return;
    const id = frame.readUInt32BE(0);
    // Whole µs first: a double resolves only ~0.2 µs at 1.8e9 s anyway.
    const rxS = Number(frame.readBigInt64BE(4) / 1000n) / 1e6;
    this.answer(frame.subarray(FRONT_REQUEST_HEADER_BYTES), rxS, (reply, t3ShiftS) => {
      const header = Buffer.alloc(FRONT_REPLY_HEADER_BYTES);
      header.writeUInt32BE(id, 0);
      header.writeDoubleBE(t3ShiftS ?? NaN, 4);
      this.socket.send(Buffer.concat([header, reply]), rinfo.port, rinfo.address);
    });
  }

  /** Answers one request received at host time `rxS`, as the current fault says. */
  private answer(msg: Buffer, rxS: number, send: ReplySender): void {
    this.requests += 1;
    const req = decodePacket(msg);
    if (!req.ok || req.packet.mode !== 3 || this.fault === 'silent') return;
    if (this.fault === 'garbage') {
      const junk = Buffer.alloc(48 + Math.floor(this.random.next() * 20));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(this.random.next() * 256);
      send(junk, null);
      return;
    }
    const kod = KOD[this.fault];
    const requestExtraS = this.halfNormal();
    const replyExtraS = this.halfNormal() + (this.opts.asymmetryS ?? 0);
    const receiveTs = unixToNtp(this.servedAt(rxS) + requestExtraS);
    // T3 is stamped at sending (host time + this shift); over the milliseconds between
    // receiving and sending, the offset model moves by nanoseconds.
    const t3ShiftS = this.trueOffsetAt(rxS) - replyExtraS;
    const repeated = this.fault === 'repeat_transmit' ? this.lastTransmit : null;
    const transmitTs = repeated ?? unixToNtp(this.clock() + t3ShiftS);
    this.lastTransmit = transmitTs;
    const origin = req.packet.transmitTs;
    const stratum = kod ? 0 : this.fault === 'stratum16' ? 16 : (this.opts.stratum ?? 1);
    const reply = encodePacket({
      leap: kod || this.fault === 'li3' ? 3 : (this.opts.leap ?? 0),
      version: 4,
      mode: 4,
      stratum,
      poll: req.packet.poll,
      precision: -20,
      rootDelayS: this.opts.rootDelayS ?? 0,
      rootDispersionS: this.opts.rootDispersionS ?? 0,
      refId: kod ? ascii(kod) : stratum <= 1 ? ascii('SIM') : 0x7f000001,
      referenceTs: unixToNtp(this.servedAt(rxS) - 1),
      originTs: this.fault === 'wrong_origin' ? { seconds: origin.seconds, fraction: (origin.fraction ^ 0x5a5a) >>> 0 } : origin,
      receiveTs,
      transmitTs,
    });
    if (this.fault === 'short') send(reply.subarray(0, 40), null);
    else send(reply, repeated === null ? t3ShiftS : null);
  }

  async close(): Promise<void> {
    await this.front?.close();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
