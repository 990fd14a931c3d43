// End-to-end: the real NTP client against the programmable reference on loopback.
import { queryNtp } from '@chronotick/ntp';
import { NtpSampler, type NtpRound } from '@chronotick/ntp';
import type { NtpQueryResult, NtpSample } from '@chronotick/ntp';
import { NtpReference, type ReferenceFault } from './support/ntp-reference';
import { sharedRealtimeClock } from './support/realtime-clock';

const clock = sharedRealtimeClock();
const refs: NtpReference[] = [];
afterEach(async () => {
  await Promise.all(refs.splice(0).map((r) => r.close()));
});
async function reference(opts: Parameters<typeof NtpReference.start>[0]): Promise<NtpReference> {
  const r = await NtpReference.start(opts);
  refs.push(r);
  return r;
}
const ask = (ref: NtpReference, extra: Partial<Parameters<typeof queryNtp>[0]> = {}): Promise<NtpQueryResult> =>
  queryNtp({ server: ref.server, address: ref.address, port: ref.port, clock, timeoutMs: 300, ...extra });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
/** The truth a sample should match: the offset at the middle of its exchange. */
const truthFor = (ref: NtpReference, s: NtpSample): number => ref.trueOffsetAt(s.tS - s.delayS / 2);

describe('against the programmable reference', () => {
  test('+50 ms, +50 ppm, 0.2 ms jitter: each sample lands near the true offset', async () => {
    const ref = await reference({ initialOffsetS: 0.05, driftPpm: 50, jitterS: 0.0002, seed: 7 });
    const errorsS: number[] = [];
    const delaysS: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await ask(ref);
      expect(r).toMatchObject({ ok: true });
      if (!r.ok) continue;
      // Any single exchange may catch a stall of the shared event loop (the
      // client and the reference share a process); the bound still has to hold.
      expect(r.delayS).toBeGreaterThan(0);
      delaysS.push(r.delayS);
      expect(Math.abs(r.offsetS - truthFor(ref, r))).toBeLessThanOrEqual(r.uncertaintyS + 0.0005);
      errorsS.push(Math.abs(r.offsetS - truthFor(ref, r)));
      await sleep(10);
    }
    // Per-sample error is dominated by the emulated jitter (σ 0.2 ms each way)
    // plus event-loop stalls; the quarter with the shortest delays, the ones an
    // NTP clock filter would pick, must be close to the truth.
    expect(quantile(errorsS, 0.5)).toBeLessThan(0.0004);
    const byDelay = errorsS.map((e, i) => ({ e, d: delaysS[i] ?? 1 })).sort((a, b) => a.d - b.d);
    const best = byDelay.slice(0, Math.ceil(byDelay.length / 4)).map((x) => x.e);
    expect(quantile(best, 0.9)).toBeLessThan(0.0003);
    expect(quantile(delaysS, 0.5)).toBeLessThan(0.002);
  });

  test('the same over IPv6 loopback', async () => {
    const ref = await reference({ host: '::1', initialOffsetS: -0.02 });
    // The reference shares this process's event loop, so one exchange can catch a
    // stall (a 6 ms one was seen in CI); judge the shortest-delay of five, as a clock
    // filter would.
    const answers: NtpSample[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await ask(ref);
      expect(r).toMatchObject({ ok: true, address: '::1' });
      if (r.ok) answers.push(r);
    }
    const r = answers.reduce((a, b) => (b.delayS < a.delayS ? b : a));
    expect(Math.abs(r.offsetS - truthFor(ref, r))).toBeLessThan(0.001);
  });

  test('path asymmetry biases the offset by half the asymmetry, inside the stated uncertainty', async () => {
    const ref = await reference({ initialOffsetS: 0.01, asymmetryS: 0.004 });
    // The shortest-delay sample of a few, as a clock filter would pick: a
    // stall of the shared event loop must not stand in for the asymmetry.
    const samples: NtpSample[] = [];
    for (let i = 0; i < 9; i++) {
      const x = await ask(ref);
      if (x.ok) samples.push(x);
    }
    const r = samples.sort((a, b) => a.delayS - b.delayS)[0];
    expect(r).toBeDefined();
    if (!r) return;
    const errS = r.offsetS - truthFor(ref, r);
    expect(errS).toBeGreaterThan(-0.0025);
    expect(errS).toBeLessThan(-0.0015);
    expect(Math.abs(errS)).toBeLessThanOrEqual(r.uncertaintyS);
  });

  const faults: [ReferenceFault, string, string][] = [
    ['silent', 'timeout', ''],
    ['kod_rate', 'kod', 'RATE'],
    ['kod_deny', 'kod', 'DENY'],
    ['kod_rstr', 'kod', 'RSTR'],
    ['wrong_origin', 'bad_origin', ''],
    ['li3', 'unsynchronized', ''],
    ['stratum16', 'unsynchronized', ''],
    ['short', 'malformed', ''],
  ];
  test.each(faults)('fault %s is rejected as %s', async (fault, reason, kodCode) => {
    const ref = await reference({ fault });
    const r = await ask(ref);
    expect(r).toMatchObject({ ok: false, reason, ...(kodCode ? { kodCode } : {}) });
  });

  test('garbage bytes are dropped without harm', async () => {
    const ref = await reference({ fault: 'garbage', seed: 3 });
    for (let i = 0; i < 5; i++) {
      const r = await ask(ref, { timeoutMs: 100 });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['malformed', 'bad_mode', 'bad_origin']).toContain(r.reason);
    }
    ref.setFault('none');
    expect((await ask(ref)).ok).toBe(true);
  });

  test('a reply repeating an earlier transmit timestamp is a duplicate', async () => {
    const ref = await reference({});
    const first = await ask(ref);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    ref.setFault('repeat_transmit');
    const second = await ask(ref, { previousServerTransmit: first.serverTransmit });
    expect(second).toMatchObject({ ok: false, reason: 'duplicate' });
  });

  test('uncertainty beyond the maximum is rejected as uncertainty_exceeded', async () => {
    const ref = await reference({ rootDispersionS: 0.05 });
    expect(await ask(ref, { maxUncertaintyS: 0.01 })).toMatchObject({ ok: false, reason: 'uncertainty_exceeded' });
  });

  test('fault modes switch at run time', async () => {
    const ref = await reference({});
    expect((await ask(ref)).ok).toBe(true);
    ref.setFault('silent');
    expect(await ask(ref, { timeoutMs: 100 })).toMatchObject({ reason: 'timeout' });
    ref.setFault('none');
    expect((await ask(ref)).ok).toBe(true);
  });
});

describe('sampler against four references', () => {
  async function run(servers: NtpReference[], durationMs: number): Promise<NtpRound[]> {
    const rounds: NtpRound[] = [];
    const sampler = new NtpSampler(
      {
        servers: servers.map((s) => s.server),
        intervalS: 0.2,
        warmUp: { durationS: 0.5, intervalS: 0.1 },
        minPollS: 0.1,
        timeoutMs: 200,
        maxUncertaintyS: 0.05,
        spreadMs: 2,
      },
      { clock, onRound: (r) => rounds.push(r) },
    );
    sampler.start();
    await sleep(durationMs);
    await sampler.stop();
    return rounds;
  }
  const truth = (ref: NtpReference, r: NtpRound): number => ref.trueOffsetAt((r.startedAtS + r.endedAtS) / 2);

  test('one lying by +100 ms gets no weight; the error matches three honest ones', async () => {
    const model = { initialOffsetS: 0.05, driftPpm: 50, jitterS: 0.0002 };
    const honest = await Promise.all([1, 2, 3].map((seed) => reference({ ...model, seed })));
    const liar = await reference({ ...model, initialOffsetS: 0.15, seed: 4 });
    const rounds = await run([...honest, liar], 1500);
    const liarRounds = rounds.filter(
      (r) =>
        r.results.filter((x) => x.ok && x.server !== liar.server).length >= 3 && r.results.some((x) => x.ok && x.server === liar.server),
    );
    // Under CI load a query can time out and leave a round short; most rounds are whole.
    expect(liarRounds.length).toBeGreaterThan(4);
    expect(liarRounds.length).toBeGreaterThanOrEqual(rounds.length * 0.6);
    const errorsS: number[] = [];
    for (const r of liarRounds) {
      expect(r.combined.ok).toBe(true);
      if (!r.combined.ok) continue;
      expect(r.combined.weights[liar.server]).toBe(0);
      expect(r.combined.falsetickers).toEqual([liar.server]);
      errorsS.push(Math.abs(r.combined.offsetS - truth(honest[0] as NtpReference, r)));
    }
    expect(quantile(errorsS, 0.5)).toBeLessThan(0.0005);
  });

  test('when every reference is silent the sampler says so and recovers when they return', async () => {
    const refsNow = await Promise.all([1, 2].map((seed) => reference({ seed, fault: 'silent' as const })));
    const rounds: NtpRound[] = [];
    const sampler = new NtpSampler(
      {
        servers: refsNow.map((s) => s.server),
        intervalS: 0.1,
        warmUp: { durationS: 0, intervalS: 0.1 },
        minPollS: 0.1,
        maxPollS: 0.4,
        timeoutMs: 100,
        maxUncertaintyS: 0.05,
      },
      { clock, onRound: (r) => rounds.push(r) },
    );
    sampler.start();
    await sleep(1200);
    expect(sampler.status().state).toBe('no_response');
    expect(sampler.status().servers.every((s) => s.state === 'unreachable')).toBe(true);
    refsNow.forEach((r) => r.setFault('none'));
    await sleep(1200);
    expect(sampler.status().state).toBe('running');
    expect(rounds.at(-1)?.combined.ok).toBe(true);
    await sampler.stop();
  });
});
