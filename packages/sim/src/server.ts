/**
 * What one simulated NTP server does with a request: read its own clock at the true
 * instants the request arrives and the reply leaves, and answer with a real NTPv4
 * packet — honest, wrong, kissing, silent, unsynchronised, or handling a leap second
 * the two ways public servers do.
 */
import { decodePacket, encodePacket, unixToNtp, type LeapIndicator } from '@chronotick/ntp';
import type { SeededRandom } from '@chronotick/tsfm';
import { requireConfig } from './errors';

export const SIM_SERVER_KINDS = [
  'honest',
  'falseticker',
  'kod_rate',
  'kod_deny',
  'kod_rstr',
  'silent',
  'bad_stratum',
  'leap_smear',
  'leap_step',
] as const;

/**
 * `honest`: true time plus its own small error. `falseticker`: wrong by `offsetS`
 * (default +40 ms), optionally drifting. `kod_*`: Kiss-o'-Death (stratum 0, refid
 * RATE/DENY/RSTR). `silent`: never answers. `bad_stratum`: stratum 16, LI=3.
 * `leap_step`: announces LI=1 during the day before `leapAtS`, then its clock repeats
 * a second (steps back 1 s: UTC falls a second behind the simulator's continuous,
 * TAI-like true time). `leap_smear`: LI=0 throughout, the second spread linearly over
 * the 24 h centred on the leap, as Google's and Amazon's smears do.
 */
export type SimServerKind = (typeof SIM_SERVER_KINDS)[number];

export interface SimServerParams {
  kind: SimServerKind;
  /** Constant error of the server's clock (server − true), seconds. */
  offsetS?: number;
  /** Drift of the server's clock error, ppm (a falseticker that wanders off). */
  driftPpm?: number;
  /** σ of white noise on each of its timestamps, seconds. */
  jitterS?: number;
  /** Seconds after the start (true time) of the leap second, for the leap kinds. */
  leapAtS?: number;
  stratum?: number;
  rootDelayS?: number;
  rootDispersionS?: number;
  /** log2 seconds. Default −20 (about 1 µs). */
  precision?: number;
  /** Dotted quad, or up to four ASCII characters (stratum 1: 'GPS'). */
  refId?: string;
  /** Time between receiving the request and sending the reply, seconds. Default 20 µs. */
  processingS?: number;
}

const DAY_S = 86_400;
const FALSETICKER_DEFAULT_OFFSET_S = 0.04;
const KOD_CODES: Partial<Record<SimServerKind, string>> = { kod_rate: 'RATE', kod_deny: 'DENY', kod_rstr: 'RSTR' };

export class SimServer {
  readonly kind: SimServerKind;
  /** Requests it received (arrived, whatever it answered). */
  received = 0;

  constructor(
    readonly params: SimServerParams,
    /** True Unix seconds at the start: `leapAtS` counts from here. */
    private readonly startS: number,
    private readonly random: SeededRandom,
  ) {
    validate(params);
    this.kind = params.kind;
  }

  /** Time between the request's arrival and the reply's departure, seconds. */
  get processingS(): number {
    return this.params.processingS ?? 20e-6;
  }

  /**
   * The reply to `request`, which arrived at `receiveTrueS` and whose reply leaves at
   * `transmitTrueS` (true Unix seconds); null when the server stays silent or the
   * datagram is not a client request.
   */
  reply(request: Uint8Array, receiveTrueS: number, transmitTrueS: number): Buffer | null {
    this.received += 1;
    const decoded = decodePacket(request);
    if (!decoded.ok || decoded.packet.mode !== 3 || this.kind === 'silent') return null;
    // Two draws per reply whatever the kind, so the stream does not depend on it.
    const receiveNoiseS = (this.params.jitterS ?? 0) * this.random.normal();
    const transmitNoiseS = (this.params.jitterS ?? 0) * this.random.normal();
    const receiveS = receiveTrueS + this.errorAtTrue(receiveTrueS) + receiveNoiseS;
    const transmitS = transmitTrueS + this.errorAtTrue(transmitTrueS) + transmitNoiseS;
    const kod = KOD_CODES[this.kind];
    return encodePacket({
      leap: kod !== undefined || this.kind === 'bad_stratum' ? 3 : this.leapIndicatorAt(receiveTrueS),
      version: 4,
      mode: 4,
      stratum: kod !== undefined ? 0 : this.kind === 'bad_stratum' ? 16 : (this.params.stratum ?? 2),
      poll: decoded.packet.poll,
      precision: this.params.precision ?? -20,
      rootDelayS: this.params.rootDelayS ?? 0.001,
      rootDispersionS: this.params.rootDispersionS ?? 0.0005,
      refId: refIdNumber(kod ?? this.params.refId ?? ((this.params.stratum ?? 2) <= 1 ? 'GPS' : '198.51.100.1')),
      // Last set from its own source a little while ago.
      referenceTs: unixToNtp(receiveS - 16),
      originTs: decoded.packet.transmitTs,
      receiveTs: unixToNtp(receiveS),
      transmitTs: unixToNtp(transmitS),
    });
  }

  /** The server's clock minus true time at a true instant, seconds, before timestamp noise. */
  errorAtTrue(trueS: number): number {
    const elapsedS = trueS - this.startS;
    const defaultOffsetS = this.kind === 'falseticker' ? FALSETICKER_DEFAULT_OFFSET_S : 0;
    const baseS = (this.params.offsetS ?? defaultOffsetS) + (this.params.driftPpm ?? 0) * 1e-6 * elapsedS;
    const leapAtS = this.params.leapAtS ?? 0;
    if (this.kind === 'leap_step') return baseS - (elapsedS >= leapAtS ? 1 : 0);
    if (this.kind === 'leap_smear') return baseS - Math.min(1, Math.max(0, (elapsedS - (leapAtS - DAY_S / 2)) / DAY_S));
    return baseS;
  }

  /** The leap indicator the server announces at a true instant. */
  leapIndicatorAt(trueS: number): LeapIndicator {
    const elapsedS = trueS - this.startS;
    const leapAtS = this.params.leapAtS ?? 0;
    return this.kind === 'leap_step' && elapsedS >= leapAtS - DAY_S && elapsedS < leapAtS ? 1 : 0;
  }
}

function validate(p: SimServerParams): void {
  const finite = (v: number | undefined): boolean => v === undefined || Number.isFinite(v);
  requireConfig((SIM_SERVER_KINDS as readonly string[]).includes(p.kind), 'server.kind', `one of ${SIM_SERVER_KINDS.join(', ')}`, p.kind);
  requireConfig(finite(p.offsetS) && finite(p.driftPpm), 'server.offsetS/driftPpm', 'finite', p);
  requireConfig(p.jitterS === undefined || (Number.isFinite(p.jitterS) && p.jitterS >= 0), 'server.jitterS', '≥ 0', p.jitterS);
  const leapKind = p.kind === 'leap_smear' || p.kind === 'leap_step';
  requireConfig(!leapKind || (p.leapAtS !== undefined && Number.isFinite(p.leapAtS)), 'server.leapAtS', `set for ${p.kind}`, p.leapAtS);
  const stratum = p.stratum;
  requireConfig(stratum === undefined || (Number.isInteger(stratum) && stratum >= 1 && stratum <= 15), 'server.stratum', '1..15', stratum);
  requireConfig((p.rootDelayS ?? 0) >= 0 && (p.rootDispersionS ?? 0) >= 0, 'server.rootDelayS/rootDispersionS', '≥ 0', p);
  requireConfig(p.precision === undefined || Number.isInteger(p.precision), 'server.precision', 'an integer (log2 s)', p.precision);
  requireConfig((p.processingS ?? 0) >= 0, 'server.processingS', '≥ 0', p.processingS);
  if (p.refId !== undefined) refIdNumber(p.refId);
}

/** A dotted quad or up to four ASCII characters, as the 32-bit reference id. */
function refIdNumber(text: string): number {
  const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (quad) {
    const bytes = quad.slice(1).map(Number);
    requireConfig(
      bytes.every((b) => b <= 255),
      'server.refId',
      'a dotted quad of bytes',
      text,
    );
    return bytes.reduce((acc, b) => acc * 256 + b, 0);
  }
  requireConfig(
    text.length >= 1 && text.length <= 4 && /^[\x20-\x7e]+$/.test(text),
    'server.refId',
    'a dotted quad or 1–4 ASCII characters',
    text,
  );
  return Buffer.from(text.padEnd(4, '\0'), 'latin1').readUInt32BE(0);
}
