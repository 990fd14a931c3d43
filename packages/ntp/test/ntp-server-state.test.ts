import { parseServerSpec, formatEndpoint, type Resolver } from '../src/address';
import { NtpServerState } from '../src/server-state';
import type { NtpQueryResult, NtpRejectReason } from '../src/validate';

const policy = { minPollS: 16, maxPollS: 1024, reresolveAfterFailures: 2 };

function sample(offsetS: number, t = 1): NtpQueryResult {
  return {
    ok: true,
    server: 's',
    address: '127.0.0.1',
    tS: 0,
    offsetS,
    delayS: 0.001,
    rootDelayS: 0,
    rootDispersionS: 0,
    stratum: 2,
    leap: 0,
    precisionS: 1e-6,
    refId: '1.2.3.4',
    uncertaintyS: 0.0005,
    serverTransmit: { seconds: t, fraction: 0 },
  };
}
const rejection = (reason: NtpRejectReason, kodCode?: string): NtpQueryResult => ({
  ok: false,
  server: 's',
  address: '127.0.0.1',
  reason,
  detail: 'x',
  ...(kodCode ? { kodCode } : {}),
});

describe('parseServerSpec', () => {
  test.each([
    ['pool.ntp.org', { host: 'pool.ntp.org', port: 123 }],
    ['time.example:1123', { host: 'time.example', port: 1123 }],
    ['192.0.2.1:4123', { host: '192.0.2.1', port: 4123 }],
    ['[2001:db8::1]:4123', { host: '2001:db8::1', port: 4123 }],
    ['[::1]', { host: '::1', port: 123 }],
    ['2001:db8::1', { host: '2001:db8::1', port: 123 }],
  ])('%s', (spec, expected) => {
    expect(parseServerSpec(spec)).toEqual(expected);
  });

  test.each(['', 'host:0', 'host:99999', 'host:abc', '[::1', '[nothost]:1', 'a:b:c', ':123'])('rejects %p with a typed error', (spec) => {
    expect(() => parseServerSpec(spec)).toThrow(expect.objectContaining({ code: 'NTP_BAD_SERVER_SPEC' }));
  });

  test('formatEndpoint brackets IPv6', () => {
    expect(formatEndpoint('::1', 123)).toBe('[::1]:123');
    expect(formatEndpoint('127.0.0.1', 123)).toBe('127.0.0.1:123');
  });
});

describe('NtpServerState', () => {
  test('reach is an 8-bit shift register of answered polls', () => {
    const s = new NtpServerState('127.0.0.1', policy);
    for (const r of [sample(0, 1), rejection('timeout'), sample(0, 2), sample(0, 3)]) s.record(r);
    expect(s.snapshot(0, 16).reach).toBe(0b1011);
    for (let i = 0; i < 10; i++) s.record(sample(0, 10 + i));
    expect(s.snapshot(0, 16).reach).toBe(0xff);
  });

  test('never polls faster than the minimum poll, even during warm-up', () => {
    const s = new NtpServerState('127.0.0.1', policy);
    expect(s.dueAtS(1)).toBe(-Infinity);
    s.notePoll(100, 1);
    s.record(sample(0));
    expect(s.dueAtS(1)).toBe(116);
    expect(s.dueAtS(64)).toBe(164);
  });

  test('timeouts back off exponentially up to the maximum poll, and a sample resets it', () => {
    const s = new NtpServerState('127.0.0.1', policy);
    const intervals: number[] = [];
    for (let i = 0; i < 8; i++) {
      s.record(rejection('timeout'));
      intervals.push(s.intervalS(64));
    }
    expect(intervals).toEqual([128, 256, 512, 1024, 1024, 1024, 1024, 1024]);
    expect(s.health).toBe('unreachable');
    s.record(sample(0));
    expect(s.intervalS(64)).toBe(64);
    expect(s.health).toBe('ok');
    s.record(rejection('timeout'));
    expect(s.health).toBe('backoff');
  });

  test('refused answers (bad origin, unsynchronised) do not back off', () => {
    const s = new NtpServerState('127.0.0.1', policy);
    s.record(rejection('bad_origin'));
    s.record(rejection('unsynchronized'));
    expect(s.intervalS(64)).toBe(64);
    expect(s.snapshot(0, 64).rejects).toEqual({ bad_origin: 1, unsynchronized: 1 });
  });

  test('KoD RATE doubles the interval each time', () => {
    const s = new NtpServerState('127.0.0.1', policy);
    s.record(rejection('kod', 'RATE'));
    expect(s.intervalS(64)).toBe(128);
    s.record(rejection('kod', 'RATE'));
    expect(s.intervalS(64)).toBe(256);
    expect(s.usable).toBe(true);
    expect(s.snapshot(0, 64)).toMatchObject({ kod: 'RATE', rejects: { kod: 2 } });
  });

  test('after KoD RATE, each run of eight accepted replies halves the stretch again', () => {
    const s = new NtpServerState('127.0.0.1', policy);
    s.record(rejection('kod', 'RATE'));
    s.record(rejection('kod', 'RATE'));
    for (let i = 0; i < 7; i++) s.record(sample(0));
    expect(s.intervalS(64)).toBe(256);
    s.record(sample(0));
    expect(s.intervalS(64)).toBe(128);
    // Another RATE starts the count over.
    for (let i = 0; i < 7; i++) s.record(sample(0));
    s.record(rejection('kod', 'RATE'));
    s.record(sample(0));
    expect(s.intervalS(64)).toBe(256);
    for (let i = 0; i < 15; i++) s.record(sample(0));
    expect(s.intervalS(64)).toBe(64);
  });

  test.each(['DENY', 'RSTR'])('KoD %s stops the server for good', (code) => {
    const s = new NtpServerState('127.0.0.1', policy);
    s.record(rejection('kod', code));
    expect(s.usable).toBe(false);
    expect(s.dueAtS(64)).toBe(Infinity);
    expect(s.snapshot(0, 64)).toMatchObject({ state: 'kod_denied', kod: code, next_poll_in_s: null });
    expect(JSON.parse(JSON.stringify(s.snapshot(0, 64)))).toEqual(s.snapshot(0, 64));
  });

  test('jitter is the RMS of successive offset differences', () => {
    const s = new NtpServerState('127.0.0.1', policy);
    expect(s.jitterS).toBeNull();
    [0, 0.001, 0, 0.001].forEach((o, i) => s.record(sample(o, i + 1)));
    expect(s.jitterS).toBeCloseTo(0.001, 12);
    expect(s.snapshot(0, 64)).toMatchObject({ samples: 4, last_offset_s: 0.001, last_delay_s: 0.001 });
  });

  test('names are resolved, and resolved again after repeated failures', async () => {
    const answers = ['192.0.2.1', '192.0.2.2'];
    let calls = 0;
    const resolver: Resolver = async () => [{ address: answers[calls++] ?? 'x', family: 4 }];
    const s = new NtpServerState('ntp.example:1123', policy);
    expect(await s.resolve(resolver)).toEqual({ address: '192.0.2.1' });
    expect(await s.resolve(resolver)).toEqual({ address: '192.0.2.1' });
    s.record(rejection('timeout'));
    s.record(rejection('timeout'));
    expect(await s.resolve(resolver)).toEqual({ address: '192.0.2.2' });
    expect(calls).toBe(2);
    expect(s.snapshot(0, 64).address).toBe('192.0.2.2:1123');
  });

  test('a resolver failure is reported, not thrown', async () => {
    const s = new NtpServerState('ntp.invalid', policy);
    const r = await s.resolve(async () => {
      throw new Error('ENOTFOUND');
    });
    expect(r).toEqual({ error: 'cannot resolve ntp.invalid: ENOTFOUND' });
  });

  test('IP literals never touch the resolver', async () => {
    const s = new NtpServerState('[::1]:5123', policy);
    const r = await s.resolve(async () => {
      throw new Error('should not be called');
    });
    expect(r).toEqual({ address: '::1' });
  });
});
