/**
 * Validation of one server reply and the offset/delay arithmetic (RFC 5905
 * §8 and §9.1). Pure: the caller supplies T1 and T4 from its own clock.
 */
import {
  decodePacket,
  isZeroTimestamp,
  kissCode,
  ntpRelativeTo,
  refIdText,
  timestampsEqual,
  type LeapIndicator,
  type NtpTimestamp,
} from './packet';

export type NtpRejectReason =
  'timeout' | 'bad_origin' | 'duplicate' | 'unsynchronized' | 'kod' | 'malformed' | 'uncertainty_exceeded' | 'dns' | 'network' | 'bad_mode';

export const NTP_REJECT_REASONS: readonly NtpRejectReason[] = [
  'timeout',
  'bad_origin',
  'duplicate',
  'unsynchronized',
  'kod',
  'malformed',
  'uncertainty_exceeded',
  'dns',
  'network',
  'bad_mode',
];

/** One accepted measurement. All times are Unix seconds or durations in seconds. */
export interface NtpSample {
  ok: true;
  /** The server as configured (host[:port]). */
  server: string;
  /** The address actually queried. */
  address: string;
  /** Local clock at T4 (reply received): the instant the sample describes. */
  tS: number;
  /** θ: server time minus local time. */
  offsetS: number;
  /** δ: round-trip delay, excluding server processing. */
  delayS: number;
  rootDelayS: number;
  rootDispersionS: number;
  stratum: number;
  leap: LeapIndicator;
  /** The server's clock precision, 2^precision s. */
  precisionS: number;
  /** Printable reference id (dotted quad, or ASCII at stratum 1). */
  refId: string;
  /**
   * Half-width of an interval that holds the true offset: δ/2 + rootDelay/2 +
   * rootDispersion. δ/2 bounds the error any path asymmetry can cause (the
   * true offset lies in θ ± δ/2 whatever the split of the round trip), and
   * rootDelay/2 + rootDispersion is the server's own bound on its distance to
   * its reference — RFC 5905's root synchronisation distance without the
   * per-peer jitter term, which callers track across samples instead.
   */
  uncertaintyS: number;
  /** The server's transmit timestamp (T3), kept raw to detect replays. */
  serverTransmit: NtpTimestamp;
}

export interface NtpRejection {
  ok: false;
  server: string;
  address: string | null;
  reason: NtpRejectReason;
  detail: string;
  /** Kiss-o'-Death code (RATE, DENY, RSTR, ...), only for reason 'kod'. */
  kodCode?: string;
  /** The measurement that was refused, for 'uncertainty_exceeded'. */
  sample?: NtpSample;
}

export type NtpQueryResult = NtpSample | NtpRejection;

export interface ReplyContext {
  server: string;
  address: string;
  /** The exact transmit timestamp we put in the request (randomised low bits). */
  sentTransmit: NtpTimestamp;
  /** T1 and T4 from the local clock, Unix seconds. */
  t1S: number;
  t4S: number;
  /** T3 of the last reply accepted from this server, to drop replays. */
  previousServerTransmit?: NtpTimestamp | null;
  /** Samples less certain than this are refused. */
  maxUncertaintyS?: number;
}

function reject(ctx: ReplyContext, reason: NtpRejectReason, detail: string, extra: Partial<NtpRejection> = {}): NtpRejection {
  return { ok: false, server: ctx.server, address: ctx.address, reason, detail, ...extra };
}

/**
 * Validate one reply and compute the sample. The checks follow RFC 5905's
 * order of suspicion: a reply that does not echo our transmit timestamp is
 * not an answer to us at all (bad_origin), so it is judged before anything
 * the server says about itself.
 */
export function evaluateReply(data: Uint8Array, ctx: ReplyContext): NtpQueryResult {
  const decoded = decodePacket(data);
  if (!decoded.ok) return reject(ctx, 'malformed', `${decoded.error.code}: ${decoded.error.message}`);
  const p = decoded.packet;
  if (p.mode !== 4) return reject(ctx, 'bad_mode', `expected mode 4 (server), got ${p.mode}`);
  if (!timestampsEqual(p.originTs, ctx.sentTransmit)) {
    return reject(ctx, 'bad_origin', 'origin timestamp does not match the transmit timestamp we sent (bogus or spoofed reply)');
  }
  if (p.stratum === 0) {
    const code = kissCode(p) ?? '';
    return reject(ctx, 'kod', `Kiss-o'-Death ${code}`, { kodCode: code });
  }
  if (p.leap === 3 || p.stratum >= 16) {
    return reject(ctx, 'unsynchronized', `server is unsynchronised (leap=${p.leap}, stratum=${p.stratum})`);
  }
  if (isZeroTimestamp(p.transmitTs) || isZeroTimestamp(p.receiveTs)) {
    return reject(ctx, 'malformed', 'reply has a zero receive or transmit timestamp');
  }
  if (ctx.previousServerTransmit && timestampsEqual(p.transmitTs, ctx.previousServerTransmit)) {
    return reject(ctx, 'duplicate', 'reply repeats the transmit timestamp of an earlier reply (duplicate or replay)');
  }

  // All four instants relative to T1's whole second: small floats keep sub-µs digits.
  const baseS = Math.floor(ctx.t1S);
  const t1 = ctx.t1S - baseS;
  const t4 = ctx.t4S - baseS;
  const t2 = ntpRelativeTo(p.receiveTs, baseS);
  const t3 = ntpRelativeTo(p.transmitTs, baseS);
  const offsetS = (t2 - t1 + (t3 - t4)) / 2;
  const delayS = t4 - t1 - (t3 - t2);
  // A negative delay is clock quantisation on a very short path; it must not shrink the bound.
  const uncertaintyS = Math.max(delayS, 0) / 2 + p.rootDelayS / 2 + p.rootDispersionS;

  const sample: NtpSample = {
    ok: true,
    server: ctx.server,
    address: ctx.address,
    tS: ctx.t4S,
    offsetS,
    delayS,
    rootDelayS: p.rootDelayS,
    rootDispersionS: p.rootDispersionS,
    stratum: p.stratum,
    leap: p.leap,
    precisionS: 2 ** p.precision,
    refId: refIdText(p.refId, p.stratum),
    uncertaintyS,
    serverTransmit: p.transmitTs,
  };
  if (ctx.maxUncertaintyS !== undefined && uncertaintyS > ctx.maxUncertaintyS) {
    return reject(
      ctx,
      'uncertainty_exceeded',
      `uncertainty ${(uncertaintyS * 1e3).toFixed(3)} ms exceeds max_acceptable_uncertainty ${(ctx.maxUncertaintyS * 1e3).toFixed(3)} ms`,
      { sample },
    );
  }
  return sample;
}
