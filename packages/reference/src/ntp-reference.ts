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
}

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
    const port = (socket.address() as AddressInfo).port;
    const ref = new NtpReference(socket, host, port, opts.clock ?? sharedRealtimeClock(), opts);
    socket.on('message', (msg, rinfo) => ref.onRequest(msg, rinfo));
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
    const rxS = this.clock();
    this.requests += 1;
    const req = decodePacket(msg);
    if (!req.ok || req.packet.mode !== 3 || this.fault === 'silent') return;
    const send = (buf: Buffer): void => this.socket.send(buf, rinfo.port, rinfo.address);
    if (this.fault === 'garbage') {
      const junk = Buffer.alloc(48 + Math.floor(this.random.next() * 20));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(this.random.next() * 256);
      send(junk);
      return;
    }
    const kod = KOD[this.fault];
    const requestExtraS = this.halfNormal();
    const replyExtraS = this.halfNormal() + (this.opts.asymmetryS ?? 0);
    const receiveTs = unixToNtp(this.servedAt(rxS) + requestExtraS);
    const txS = this.clock();
    let transmitTs = unixToNtp(this.servedAt(txS) - replyExtraS);
    if (this.fault === 'repeat_transmit' && this.lastTransmit) transmitTs = this.lastTransmit;
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
    send(this.fault === 'short' ? reply.subarray(0, 40) : reply);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
