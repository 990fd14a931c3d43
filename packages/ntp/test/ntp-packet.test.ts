import {
  NTP_PACKET_BYTES,
  decodePacket,
  encodeClientRequest,
  encodePacket,
  kissCode,
  ntpToUnix,
  refIdText,
  shortToSeconds,
  secondsToShort,
  unixToNtp,
  type NtpPacket,
} from '../src/packet';
import { RANDOM_FRACTION_BITS, randomisedTransmit } from '../src/query';

const ascii = (s: string): number => Buffer.from(s, 'ascii').readUInt32BE(0);

describe('NTP timestamps', () => {
  test('the Unix epoch is 2,208,988,800 s after the NTP epoch', () => {
    expect(unixToNtp(0)).toEqual({ seconds: 2_208_988_800, fraction: 0 });
    expect(ntpToUnix({ seconds: 2_208_988_800, fraction: 0 })).toBe(0);
  });

  test('fractions are units of 2^-32 s', () => {
    expect(unixToNtp(1_700_000_000.25)).toEqual({ seconds: 3_908_988_800, fraction: 0x4000_0000 });
    expect(unixToNtp(1.5).fraction).toBe(0x8000_0000);
    expect(ntpToUnix({ seconds: 3_908_988_800, fraction: 0xc000_0000 })).toBe(1_700_000_000.75);
  });

  test('round trip keeps microseconds at present-day magnitudes', () => {
    for (const t of [1_790_000_000.123456, 1_790_000_000.999999, 1_800_000_123.000001]) {
      expect(Math.abs(ntpToUnix(unixToNtp(t)) - t)).toBeLessThan(1e-6);
    }
  });

  test('era 1 starts on 2036-02-07T06:28:16Z', () => {
    const eraStartS = Date.UTC(2036, 1, 7, 6, 28, 16) / 1000;
    expect(unixToNtp(eraStartS)).toEqual({ seconds: 0, fraction: 0 });
    expect(ntpToUnix({ seconds: 0, fraction: 0 })).toBe(eraStartS);
    expect(ntpToUnix(unixToNtp(eraStartS + 10.5))).toBe(eraStartS + 10.5);
  });

  test('NTP short format is 16.16 fixed point', () => {
    expect(shortToSeconds(0x0001_0000)).toBe(1);
    expect(shortToSeconds(0x0000_8000)).toBe(0.5);
    expect(secondsToShort(0.25)).toBe(0x4000);
    expect(secondsToShort(-1)).toBe(0);
  });
});

describe('NTP packet codec', () => {
  const packet: NtpPacket = {
    leap: 1,
    version: 4,
    mode: 4,
    stratum: 2,
    poll: 6,
    precision: -20,
    rootDelayS: 0.015625,
    rootDispersionS: 0.0078125,
    refId: 0xc0a80001,
    referenceTs: { seconds: 3_908_988_700, fraction: 1 },
    originTs: { seconds: 3_908_988_800, fraction: 2 },
    receiveTs: { seconds: 3_908_988_801, fraction: 3 },
    transmitTs: { seconds: 3_908_988_802, fraction: 0xffff_ffff },
  };

  test('encode then decode is the identity', () => {
    const buf = encodePacket(packet);
    expect(buf.length).toBe(NTP_PACKET_BYTES);
    expect(decodePacket(buf)).toEqual({ ok: true, packet });
  });

  test('header bits are where RFC 5905 puts them', () => {
    const buf = encodePacket(packet);
    expect(buf[0]).toBe((1 << 6) | (4 << 3) | 4);
    expect(buf[1]).toBe(2);
    expect(buf.readInt8(3)).toBe(-20);
    expect(buf.readUInt32BE(4)).toBe(0x0000_0400);
    expect(refIdText(packet.refId, 2)).toBe('192.168.0.1');
  });

  test('a client request is LI=0, VN=4, mode 3 with only the transmit timestamp set', () => {
    const buf = encodeClientRequest({ seconds: 5, fraction: 6 });
    expect(buf[0]).toBe(0x23);
    expect(buf.subarray(1, 40).every((b) => b === 0)).toBe(true);
    expect(buf.readUInt32BE(40)).toBe(5);
    expect(buf.readUInt32BE(44)).toBe(6);
  });

  test("stratum 0 carries a Kiss-o'-Death code in the reference id", () => {
    expect(kissCode({ ...packet, stratum: 0, refId: ascii('RATE') })).toBe('RATE');
    expect(kissCode({ ...packet, stratum: 0, refId: ascii('DENY') })).toBe('DENY');
    expect(kissCode(packet)).toBeNull();
    expect(refIdText(ascii('GPS\0'), 1)).toBe('GPS');
  });

  test('short packets and bad versions are typed errors, not throws', () => {
    const short = decodePacket(Buffer.alloc(47));
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.error.code).toBe('NTP_SHORT_PACKET');
    const v0 = decodePacket(Buffer.alloc(48));
    expect(v0.ok).toBe(false);
    if (!v0.ok) expect(v0.error.code).toBe('NTP_BAD_VERSION');
    expect(decodePacket(new Uint8Array(0)).ok).toBe(false);
  });

  test('decoding random garbage never throws', () => {
    for (let i = 0; i < 500; i++) {
      const bytes = Buffer.alloc(i % 70);
      for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 31 + j * 17) & 0xff;
      expect(() => decodePacket(bytes)).not.toThrow();
    }
  });

  test('extension bytes after the header are ignored', () => {
    const buf = Buffer.concat([encodePacket(packet), Buffer.alloc(20, 0xaa)]);
    expect(decodePacket(buf)).toEqual({ ok: true, packet });
  });
});

describe('randomised transmit timestamp', () => {
  test('keeps the clock reading above the random bits and randomises below', () => {
    const t1S = 1_790_000_000.5;
    const a = randomisedTransmit(t1S, () => 0);
    const b = randomisedTransmit(t1S, () => 0xffff_ffff);
    const unit = 2 ** RANDOM_FRACTION_BITS;
    expect(a.seconds).toBe(unixToNtp(t1S).seconds);
    expect(a.fraction % unit).toBe(0);
    expect(b.fraction - a.fraction).toBe(unit - 1);
    // Still within a millisecond of the real reading.
    expect(Math.abs(ntpToUnix(b) - t1S)).toBeLessThan(1e-3);
  });

  test('two requests at the same instant differ', () => {
    const t1S = 1_790_000_000.5;
    expect(randomisedTransmit(t1S)).not.toEqual(randomisedTransmit(t1S));
  });
});
