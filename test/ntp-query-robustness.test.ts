// queryNtp on loopback against a hand-driven server: junk and forgeries must not
// cost us the real answer, and an abort must close the exchange at once.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { decodePacket, encodePacket, unixToNtp, type NtpPacket } from '@chronotick/ntp';
import { queryNtp } from '@chronotick/ntp';
import { sharedRealtimeClock } from './support/realtime-clock';

const clock = sharedRealtimeClock();
let server: dgram.Socket;
let port: number;
let onRequest: (req: NtpPacket, reply: (b: Buffer) => void) => void = () => undefined;

beforeAll(async () => {
  server = dgram.createSocket('udp4');
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  server.on('message', (msg, rinfo) => {
    const d = decodePacket(msg);
    if (d.ok) onRequest(d.packet, (b) => server.send(b, rinfo.port, rinfo.address));
  });
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function answer(req: NtpPacket, over: Partial<NtpPacket> = {}): Buffer {
  const now = clock();
  return encodePacket({
    leap: 0,
    version: 4,
    mode: 4,
    stratum: 2,
    poll: 0,
    precision: -20,
    rootDelayS: 0,
    rootDispersionS: 0,
    refId: 0x7f000001,
    referenceTs: unixToNtp(now - 1),
    originTs: req.transmitTs,
    receiveTs: unixToNtp(now),
    transmitTs: unixToNtp(now),
    ...over,
  });
}
const ask = (timeoutMs = 500) => queryNtp({ server: 'hand', address: '127.0.0.1', port, clock, timeoutMs });

test('junk and a forged reply before the real one do not cost the sample', async () => {
  onRequest = (req, reply) => {
    reply(Buffer.from('not ntp at all'));
    reply(answer(req, { originTs: { seconds: 1, fraction: 2 }, transmitTs: unixToNtp(clock() + 100) }));
    const real = answer(req);
    setTimeout(() => reply(real), 20);
  };
  const r = await ask();
  expect(r.ok).toBe(true);
  // The 20 ms hold looks like reply-path delay: the error stays inside the bound.
  if (r.ok) expect(Math.abs(r.offsetS)).toBeLessThanOrEqual(r.uncertaintyS);
});

test('with only a forgery, the reason is bad_origin rather than a bare timeout', async () => {
  onRequest = (req, reply) => reply(answer(req, { originTs: { seconds: 1, fraction: 2 } }));
  expect(await ask(150)).toMatchObject({ ok: false, reason: 'bad_origin' });
});

test('a reply delivered twice yields one sample', async () => {
  onRequest = (req, reply) => {
    const b = answer(req);
    reply(b);
    reply(b);
  };
  const r = await ask();
  expect(r.ok).toBe(true);
});

test('a client-mode echo is bad_mode', async () => {
  onRequest = (req, reply) => reply(answer(req, { mode: 3 }));
  expect(await ask(150)).toMatchObject({ ok: false, reason: 'bad_mode' });
});

test('aborting ends the exchange at once', async () => {
  onRequest = () => undefined;
  const ctrl = new AbortController();
  const pending = queryNtp({ server: 'hand', address: '127.0.0.1', port, clock, timeoutMs: 60_000, signal: ctrl.signal });
  setTimeout(() => ctrl.abort(), 10);
  expect(await pending).toMatchObject({ ok: false, reason: 'network', detail: 'query aborted' });
});

test('a name instead of an address is refused before any packet is sent', async () => {
  const r = await queryNtp({ server: 'x', address: 'ntp.example', port: 123, clock, timeoutMs: 100 });
  expect(r).toMatchObject({ ok: false, reason: 'dns' });
});
