/**
 * NTPv4 packet layout (RFC 5905 §7.3) and timestamp conversion. Pure: no I/O,
 * no clock. Decoding never throws; it returns a typed error instead, because
 * anything on the wire may be hostile or garbage.
 */

/** Size of an NTP header without extension fields or MAC. */
export const NTP_PACKET_BYTES = 48;
/** Seconds from the NTP prime epoch (1900-01-01) to the Unix epoch (1970-01-01). */
export const NTP_UNIX_EPOCH_DELTA_S = 2_208_988_800;
/** One era of the 32-bit NTP seconds field. */
export const NTP_ERA_S = 2 ** 32;
const FRACTION_SCALE = 2 ** 32;

/** Leap indicator: 0 none, 1 last minute has 61 s, 2 last minute has 59 s, 3 unsynchronised. */
export type LeapIndicator = 0 | 1 | 2 | 3;
/** Association modes (RFC 5905 Figure 10). 3 = client, 4 = server. */
export type NtpMode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A raw 64-bit NTP timestamp kept as its two 32-bit halves, so no precision is lost. */
export interface NtpTimestamp {
  readonly seconds: number;
  readonly fraction: number;
}

export const ZERO_TIMESTAMP: NtpTimestamp = { seconds: 0, fraction: 0 };

export interface NtpPacket {
  leap: LeapIndicator;
  version: number;
  mode: NtpMode;
  stratum: number;
  /** log2 seconds, signed. */
  poll: number;
  /** log2 seconds, signed. */
  precision: number;
  rootDelayS: number;
  rootDispersionS: number;
  /** The 32-bit reference id as an unsigned integer. */
  refId: number;
  referenceTs: NtpTimestamp;
  originTs: NtpTimestamp;
  receiveTs: NtpTimestamp;
  transmitTs: NtpTimestamp;
}

export type NtpDecodeErrorCode = 'NTP_SHORT_PACKET' | 'NTP_BAD_VERSION';

/** A packet that could not be decoded. Returned, never thrown. */
export class NtpDecodeError extends Error {
  constructor(
    readonly code: NtpDecodeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NtpDecodeError';
  }
}

export type DecodeResult = { ok: true; packet: NtpPacket } | { ok: false; error: NtpDecodeError };

/**
 * Unix seconds (float) to an NTP timestamp. The integer and fractional parts are
 * split before scaling, so the fraction carries the float's full sub-second
 * precision instead of what survives multiplying a 10-digit number by 2^32.
 */
export function unixToNtp(unixS: number): NtpTimestamp {
  const wholeS = Math.floor(unixS);
  let fraction = Math.floor((unixS - wholeS) * FRACTION_SCALE);
  // Guard the rounding edge where (unixS - wholeS) * 2^32 lands exactly on 2^32.
  if (fraction >= FRACTION_SCALE) fraction = FRACTION_SCALE - 1;
  const seconds = (((wholeS + NTP_UNIX_EPOCH_DELTA_S) % NTP_ERA_S) + NTP_ERA_S) % NTP_ERA_S;
  return { seconds, fraction };
}

/**
 * Whole Unix seconds of an NTP seconds field. Era 0 ends in 2036; values below
 * 2^31 (which in era 0 would be before 1968) are taken as era 1, the usual pivot.
 */
export function ntpSecondsToUnix(seconds: number): number {
  const era = seconds < 0x8000_0000 ? NTP_ERA_S : 0;
  return seconds + era - NTP_UNIX_EPOCH_DELTA_S;
}

/** NTP timestamp to Unix seconds (float). */
export function ntpToUnix(ts: NtpTimestamp): number {
  return ntpSecondsToUnix(ts.seconds) + ts.fraction / FRACTION_SCALE;
}

/**
 * NTP timestamp minus a Unix base second, as a small float. Measurement math is
 * done relative to a base second so the sub-microsecond digits are not rounded
 * away by 10-digit magnitudes.
 */
export function ntpRelativeTo(ts: NtpTimestamp, baseWholeS: number): number {
  return ntpSecondsToUnix(ts.seconds) - baseWholeS + ts.fraction / FRACTION_SCALE;
}

export function timestampsEqual(a: NtpTimestamp, b: NtpTimestamp): boolean {
  return a.seconds === b.seconds && a.fraction === b.fraction;
}

export function isZeroTimestamp(ts: NtpTimestamp): boolean {
  return ts.seconds === 0 && ts.fraction === 0;
}

/** NTP short format (16.16 fixed point, unsigned) to seconds. */
export function shortToSeconds(raw: number): number {
  return raw / 65536;
}

/** Seconds to NTP short format, clamped to its range. */
export function secondsToShort(seconds: number): number {
  const raw = Math.round(seconds * 65536);
  return Math.min(0xffff_ffff, Math.max(0, raw));
}

/**
 * The four ASCII characters of a reference id. For stratum 0 this is the
 * Kiss-o'-Death code (RATE, DENY, RSTR, ...); for stratum 1 a source name (GPS).
 */
export function refIdAscii(refId: number): string {
  const chars = [24, 16, 8, 0].map((shift) => (refId >>> shift) & 0xff);
  return String.fromCharCode(...chars.filter((c) => c !== 0)).replace(/[^\x20-\x7e]/g, '?');
}

/** A printable reference id: ASCII for stratum 0/1, dotted quad (IPv4 or an IPv6 hash) above. */
export function refIdText(refId: number, stratum: number): string {
  if (stratum <= 1) return refIdAscii(refId);
  return [24, 16, 8, 0].map((shift) => (refId >>> shift) & 0xff).join('.');
}

/** The Kiss-o'-Death code of a packet, or null when it is not a KoD. */
export function kissCode(packet: NtpPacket): string | null {
  return packet.stratum === 0 ? refIdAscii(packet.refId) : null;
}

function writeTimestamp(buf: Buffer, offset: number, ts: NtpTimestamp): void {
  buf.writeUInt32BE(ts.seconds >>> 0, offset);
  buf.writeUInt32BE(ts.fraction >>> 0, offset + 4);
}

function readTimestamp(buf: Uint8Array, offset: number): NtpTimestamp {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return { seconds: view.readUInt32BE(offset), fraction: view.readUInt32BE(offset + 4) };
}

/** Encode a 48-byte NTP header. */
export function encodePacket(p: NtpPacket): Buffer {
  const buf = Buffer.alloc(NTP_PACKET_BYTES);
  buf.writeUInt8(((p.leap & 0x3) << 6) | ((p.version & 0x7) << 3) | (p.mode & 0x7), 0);
  buf.writeUInt8(p.stratum & 0xff, 1);
  buf.writeInt8(Math.max(-128, Math.min(127, p.poll)), 2);
  buf.writeInt8(Math.max(-128, Math.min(127, p.precision)), 3);
  buf.writeUInt32BE(secondsToShort(p.rootDelayS), 4);
  buf.writeUInt32BE(secondsToShort(p.rootDispersionS), 8);
  buf.writeUInt32BE(p.refId >>> 0, 12);
  writeTimestamp(buf, 16, p.referenceTs);
  writeTimestamp(buf, 24, p.originTs);
  writeTimestamp(buf, 32, p.receiveTs);
  writeTimestamp(buf, 40, p.transmitTs);
  return buf;
}

/**
 * Decode an NTP header. Extension fields and MACs after byte 48 are ignored
 * (we do not authenticate). Versions 1..4 are accepted as RFC 5905 servers may
 * answer a v4 client with the version of the request's era.
 */
export function decodePacket(data: Uint8Array): DecodeResult {
  if (data.byteLength < NTP_PACKET_BYTES) {
    return {
      ok: false,
      error: new NtpDecodeError('NTP_SHORT_PACKET', `packet has ${data.byteLength} bytes, an NTP header needs ${NTP_PACKET_BYTES}`),
    };
  }
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const first = view.readUInt8(0);
  const version = (first >> 3) & 0x7;
  if (version < 1 || version > 4) {
    return { ok: false, error: new NtpDecodeError('NTP_BAD_VERSION', `unsupported NTP version ${version}`) };
  }
  return {
    ok: true,
    packet: {
      leap: ((first >> 6) & 0x3) as LeapIndicator,
      version,
      mode: (first & 0x7) as NtpMode,
      stratum: view.readUInt8(1),
      poll: view.readInt8(2),
      precision: view.readInt8(3),
      rootDelayS: shortToSeconds(view.readUInt32BE(4)),
      rootDispersionS: shortToSeconds(view.readUInt32BE(8)),
      refId: view.readUInt32BE(12),
      referenceTs: readTimestamp(data, 16),
      originTs: readTimestamp(data, 24),
      receiveTs: readTimestamp(data, 32),
      transmitTs: readTimestamp(data, 40),
    },
  };
}

/** The 48-byte client request (mode 3, version 4) carrying our transmit timestamp. */
export function encodeClientRequest(transmitTs: NtpTimestamp): Buffer {
  return encodePacket({
    leap: 0,
    version: 4,
    mode: 3,
    stratum: 0,
    poll: 0,
    precision: 0,
    rootDelayS: 0,
    rootDispersionS: 0,
    refId: 0,
    referenceTs: ZERO_TIMESTAMP,
    originTs: ZERO_TIMESTAMP,
    receiveTs: ZERO_TIMESTAMP,
    transmitTs,
  });
}
