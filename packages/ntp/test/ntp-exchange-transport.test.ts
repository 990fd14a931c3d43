// runNtpExchange over an in-memory transport: the exchange's rules (T1 at send, T4 on
// arrival, junk keeps it listening, the timeout, transport errors) hold whatever
// carries the datagrams — the UDP socket in the daemon, the simulator's network in tests.
import {
  decodePacket,
  encodePacket,
  runNtpExchange,
  unixToNtp,
  type NtpQueryResult,
  type NtpTimestamp,
  type NtpTransportFactory,
  type NtpTransportHandlers,
  type TimerApi,
} from '../src';

/** Timers that fire only when the test says so. */
function manualTimers(): TimerApi & { fire(): void; pending: number } {
  const queue = new Map<number, () => void>();
  let next = 1;
  return {
    setTimeout: (fn) => (queue.set(next, fn), next++),
    clearTimeout: (h) => void queue.delete(h as number),
    fire: () => [...queue.values()].forEach((fn) => fn()),
    get pending() {
      return queue.size;
    },
  };
}

function reply(origin: NtpTimestamp, serverS: number): Buffer {
  return encodePacket({
    leap: 0,
    version: 4,
    mode: 4,
    stratum: 2,
    poll: 0,
    precision: -20,
    rootDelayS: 0,
    rootDispersionS: 0,
    refId: 0,
    referenceTs: unixToNtp(serverS - 1),
    originTs: origin,
    receiveTs: unixToNtp(serverS),
    transmitTs: unixToNtp(serverS + 1e-5),
  });
}

function memoryTransport(onSend: (sent: NtpTimestamp, handlers: NtpTransportHandlers) => void) {
  const log = { closed: 0, sent: 0 };
  const open: NtpTransportFactory = (_target, handlers) => ({
    connect: (ready) => ready(),
    send: (data) => {
      log.sent += 1;
      const d = decodePacket(data);
      if (d.ok) onSend(d.packet.transmitTs, handlers);
    },
    close: () => void (log.closed += 1),
  });
  return { open, log };
}

describe('runNtpExchange over an injected transport', () => {
  const base = { server: 'mem', address: '192.0.2.1', port: 123, timeoutMs: 1000 };

  test('a forged reply does not end the exchange; the real one is measured from the clock read at send and at arrival', async () => {
    let nowS = 1_700_000_000;
    const timers = manualTimers();
    // 5 ms each way, the server 0.5 s ahead and 10 µs between its two timestamps.
    const { open, log } = memoryTransport((sent, h) => {
      nowS += 0.005;
      const serverS = nowS + 0.5;
      nowS += 1e-5 + 0.005;
      h.message(reply({ ...sent, fraction: sent.fraction ^ 1 }, serverS)); // forged: wrong origin
      h.message(reply(sent, serverS));
    });
    const clock = () => nowS;
    const result = await runNtpExchange({ ...base, clock, timers }, open);
    expect(result).toMatchObject({ ok: true, delayS: expect.closeTo(0.01, 6), offsetS: expect.closeTo(0.5, 6) });
    expect(log).toEqual({ closed: 1, sent: 1 });
    expect(timers.pending).toBe(0);
  });

  test('with only junk before the timeout, the junk is the reason reported', async () => {
    const timers = manualTimers();
    const { open } = memoryTransport((sent, h) => h.message(reply({ ...sent, seconds: sent.seconds + 1 }, 1_700_000_000)));
    const pending = runNtpExchange({ ...base, clock: () => 1_700_000_000, timers }, open);
    timers.fire();
    expect(await pending).toMatchObject({ ok: false, reason: 'bad_origin' });
  });

  test('a transport error ends the exchange with a network rejection and closes the transport once', async () => {
    const { open, log } = memoryTransport((_sent, h) => h.error(new Error('EHOSTUNREACH')));
    const result: NtpQueryResult = await runNtpExchange({ ...base, clock: () => 1_700_000_000, timers: manualTimers() }, open);
    expect(result).toMatchObject({ ok: false, reason: 'network', detail: 'EHOSTUNREACH' });
    expect(log.closed).toBe(1);
  });

  test('an injected randomiser makes the transmit timestamp reproducible', async () => {
    const sent: NtpTimestamp[] = [];
    const { open } = memoryTransport((ts, h) => {
      sent.push(ts);
      h.error(new Error('done'));
    });
    const ask = () => runNtpExchange({ ...base, clock: () => 1_700_000_000.25, timers: manualTimers() }, open, { random: () => 12345 });
    await ask();
    await ask();
    expect(sent[0]).toEqual(sent[1]);
  });
});
