import { encodePacket, unixToNtp, type NtpPacket, type NtpTimestamp } from '../src/packet';
import { evaluateReply, type ReplyContext } from '../src/validate';

const ascii = (s: string): number => Buffer.from(s, 'ascii').readUInt32BE(0);

// A scenario with known answers: server clock 50 ms ahead, 10 ms each way, 1 ms processing.
const T1 = 1_790_000_000.123456;
const OFFSET_S = 0.05;
const T2 = T1 + 0.01 + OFFSET_S;
const T3 = T2 + 0.001;
const T4 = T1 + 0.021;
const SENT: NtpTimestamp = { seconds: unixToNtp(T1).seconds, fraction: 0x1234_5678 };

function reply(over: Partial<NtpPacket> = {}): Buffer {
  return encodePacket({
    leap: 0,
    version: 4,
    mode: 4,
    stratum: 2,
    poll: 6,
    precision: -20,
    rootDelayS: 0.002,
    rootDispersionS: 0.001,
    refId: 0x7f000001,
    referenceTs: unixToNtp(T1 - 10),
    originTs: SENT,
    receiveTs: unixToNtp(T2),
    transmitTs: unixToNtp(T3),
    ...over,
  });
}

const ctx: ReplyContext = { server: 'ref', address: '127.0.0.1', sentTransmit: SENT, t1S: T1, t4S: T4 };

describe('evaluateReply', () => {
  test('computes θ and δ from T1..T4', () => {
    const r = evaluateReply(reply(), ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.offsetS).toBeCloseTo(OFFSET_S, 6);
    expect(r.delayS).toBeCloseTo(0.02, 6);
    expect(r.tS).toBe(T4);
    expect(r.stratum).toBe(2);
    expect(r.refId).toBe('127.0.0.1');
    expect(r.precisionS).toBe(2 ** -20);
    // λ = δ/2 + rootDelay/2 + rootDispersion (short format rounds to 2^-16 s)
    expect(r.uncertaintyS).toBeCloseTo(0.01 + 0.001 + 0.001, 4);
  });

  test('keeps sub-microsecond arithmetic at present-day magnitudes', () => {
    const t1 = 1_790_000_000.000001;
    const sent = unixToNtp(t1);
    const buf = reply({ originTs: sent, receiveTs: unixToNtp(t1 + 0.0000105), transmitTs: unixToNtp(t1 + 0.0000115) });
    const r = evaluateReply(buf, { ...ctx, sentTransmit: sent, t1S: t1, t4S: t1 + 0.000021 });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(Math.abs(r.offsetS - 0.0000005)).toBeLessThan(5e-7);
      expect(Math.abs(r.delayS - 0.00002)).toBeLessThan(5e-7);
    }
  });

  test('a reply whose origin is not our transmit timestamp is bad_origin', () => {
    const r = evaluateReply(reply({ originTs: { seconds: SENT.seconds, fraction: SENT.fraction + 1 } }), ctx);
    expect(r).toMatchObject({ ok: false, reason: 'bad_origin' });
  });

  test('a reply repeating the previous transmit timestamp is a duplicate', () => {
    const r = evaluateReply(reply(), { ...ctx, previousServerTransmit: unixToNtp(T3) });
    expect(r).toMatchObject({ ok: false, reason: 'duplicate' });
  });

  test('LI=3 and stratum 16 are unsynchronized', () => {
    expect(evaluateReply(reply({ leap: 3 }), ctx)).toMatchObject({ ok: false, reason: 'unsynchronized' });
    expect(evaluateReply(reply({ stratum: 16 }), ctx)).toMatchObject({ ok: false, reason: 'unsynchronized' });
  });

  test.each(['RATE', 'DENY', 'RSTR'])("stratum 0 is a Kiss-o'-Death with its code (%s)", (code) => {
    const r = evaluateReply(reply({ stratum: 0, leap: 3, refId: ascii(code) }), ctx);
    expect(r).toMatchObject({ ok: false, reason: 'kod', kodCode: code });
  });

  test('a forged KoD with the wrong origin is bad_origin, not a KoD', () => {
    const r = evaluateReply(reply({ stratum: 0, refId: ascii('DENY'), originTs: { seconds: 1, fraction: 2 } }), ctx);
    expect(r).toMatchObject({ ok: false, reason: 'bad_origin' });
  });

  test('non-server modes are bad_mode', () => {
    expect(evaluateReply(reply({ mode: 3 }), ctx)).toMatchObject({ ok: false, reason: 'bad_mode' });
    expect(evaluateReply(reply({ mode: 5 }), ctx)).toMatchObject({ ok: false, reason: 'bad_mode' });
  });

  test('short and garbled packets are malformed', () => {
    expect(evaluateReply(reply().subarray(0, 40), ctx)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(evaluateReply(Buffer.alloc(48, 0), ctx)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(evaluateReply(reply({ transmitTs: { seconds: 0, fraction: 0 } }), ctx)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  test('samples beyond max_acceptable_uncertainty are refused and keep the measurement', () => {
    const r = evaluateReply(reply(), { ...ctx, maxUncertaintyS: 0.005 });
    expect(r).toMatchObject({ ok: false, reason: 'uncertainty_exceeded' });
    if (!r.ok) expect(r.sample?.offsetS).toBeCloseTo(OFFSET_S, 6);
    expect(evaluateReply(reply(), { ...ctx, maxUncertaintyS: 0.5 }).ok).toBe(true);
  });
});
