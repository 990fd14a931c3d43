// The programmable reference behind its kernel-timestamp front (a Python process that
// owns the public port): what the bench's comparison with chronyd runs against.
import { queryNtp, ntpToUnix, type NtpQueryResult, type NtpSample } from '@chronotick/ntp';
import { NtpReference } from './support/ntp-reference';
import { sharedRealtimeClock } from './support/realtime-clock';

const clock = sharedRealtimeClock();
const refs: NtpReference[] = [];
afterEach(async () => {
  await Promise.all(refs.splice(0).map((r) => r.close()));
});
async function reference(opts: Parameters<typeof NtpReference.start>[0]): Promise<NtpReference> {
  const r = await NtpReference.start({ ...opts, kernelTimestamps: true });
  refs.push(r);
  return r;
}
const ask = (ref: NtpReference): Promise<NtpQueryResult> =>
  queryNtp({ server: ref.server, address: ref.address, port: ref.port, clock, timeoutMs: 500 });

describe('the reference with kernel timestamps', () => {
  test('answers through the front: each sample within its bound of the truth, stamped inside the exchange', async () => {
    const ref = await reference({ initialOffsetS: 0.05, driftPpm: 50, seed: 3 });
    const samples: NtpSample[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await ask(ref);
      if (!r.ok) throw new Error(`exchange ${i} rejected: ${r.reason} (${r.detail})`);
      samples.push(r);
    }
    expect(ref.requests).toBe(20);
    for (const s of samples) {
      const midS = s.tS - s.delayS / 2;
      // Stamps taken inside the exchange on the served scale put the offset within half
      // the round trip of the truth (a T3 re-stamped with a wrong shift would not be).
      expect(Math.abs(s.offsetS - ref.trueOffsetAt(midS))).toBeLessThanOrEqual(s.delayS / 2 + 1e-6);
      // T3 was read on the host before the reply arrived (T4 = tS).
      expect(ntpToUnix(s.serverTransmit) - ref.trueOffsetAt(midS)).toBeLessThanOrEqual(s.tS + 1e-6);
    }
  });

  test('faults pass through the front: silent times out, a kiss-o-death arrives, then it recovers', async () => {
    const ref = await reference({ initialOffsetS: -0.01 });
    ref.setFault('silent');
    expect(await ask(ref)).toMatchObject({ ok: false, reason: 'timeout' });
    ref.setFault('kod_rate');
    expect(await ask(ref)).toMatchObject({ ok: false, reason: 'kod', kodCode: 'RATE' });
    ref.setFault('none');
    expect(await ask(ref)).toMatchObject({ ok: true });
  });

  test('without Python it fails with a hint, not a hang', async () => {
    const saved = process.env['CHRONOTICK_PYTHON'];
    process.env['CHRONOTICK_PYTHON'] = '/nonexistent/python3';
    try {
      await expect(NtpReference.start({ kernelTimestamps: true })).rejects.toThrow(/kernel timestamps need Python 3.*CHRONOTICK_PYTHON/);
    } finally {
      if (saved === undefined) delete process.env['CHRONOTICK_PYTHON'];
      else process.env['CHRONOTICK_PYTHON'] = saved;
    }
  });
});
