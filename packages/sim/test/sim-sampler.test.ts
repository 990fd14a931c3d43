// The real NtpSampler (its scheduling, validation, KoD handling and selection) measuring
// the simulated world: the injected clock, monotonic clock, timers, query and resolver
// all come from @chronotick/sim.
import type { CombinedOffset, NtpSample } from '@chronotick/ntp';
import { INTERNET_PATH, START_S, name, samplerWorld } from './support/sim-world';

const HOUR_S = 3600;

describe('the real NtpSampler in the simulated world', () => {
  test('an honest server on a symmetric path: every offset lies within delay/2 of the truth', async () => {
    const w = samplerWorld([{ name: name('a'), server: { kind: 'honest' }, path: INTERNET_PATH }]);
    w.sampler.start();
    await w.scheduler.runFor(2 * HOUR_S);
    await w.sampler.stop();
    const samples = w.samples();
    expect(samples.length).toBeGreaterThan(100); // one every 64 s
    for (const { sample, trueOffsetS } of samples) expect(Math.abs(sample.offsetS - trueOffsetS)).toBeLessThanOrEqual(sample.delayS / 2);
    // The host drifts 12 ppm: θ grew from 10 ms by 86 µs over the two hours, and the samples saw it.
    const last = samples.at(-1);
    expect(last?.trueOffsetS).toBeCloseTo(0.01 + 12e-6 * 2 * HOUR_S, 3);
    const meanErrorS = samples.reduce((sum, { sample, trueOffsetS }) => sum + sample.offsetS - trueOffsetS, 0) / samples.length;
    expect(Math.abs(meanErrorS)).toBeLessThan(2e-4);
  });

  test('a fixed 2 ms return asymmetry biases every offset by −1 ms', async () => {
    const w = samplerWorld([
      { name: name('a'), server: { kind: 'honest' }, path: { baseDelayS: 0.02, queueMeanS: 1e-6, fixedAsymmetryS: 0.002 } },
    ]);
    w.sampler.start();
    await w.scheduler.runFor(HOUR_S);
    const errorsS = w.samples().map(({ sample, trueOffsetS }) => sample.offsetS - trueOffsetS);
    expect(errorsS.length).toBeGreaterThan(50);
    for (const e of errorsS) expect(e).toBeCloseTo(-0.001, 4);
    await w.sampler.stop();
  });

  test("KoD RATE stretches the poll, KoD DENY and RSTR stop it, silent and stratum 16 are rejected with the sampler's reasons", async () => {
    const w = samplerWorld([
      { name: name('ok'), server: { kind: 'honest' }, path: INTERNET_PATH },
      { name: name('rate'), server: { kind: 'kod_rate' }, path: INTERNET_PATH },
      { name: name('deny'), server: { kind: 'kod_deny' }, path: INTERNET_PATH },
      { name: name('rstr'), server: { kind: 'kod_rstr' }, path: INTERNET_PATH },
      { name: name('silent'), server: { kind: 'silent' }, path: INTERNET_PATH },
      { name: name('s16'), server: { kind: 'bad_stratum' }, path: INTERNET_PATH },
    ]);
    w.sampler.start();
    await w.scheduler.runFor(2 * HOUR_S);
    const status = w.sampler.status();
    await w.sampler.stop();
    const byName = Object.fromEntries(status.servers.map((s) => [s.name, s]));
    expect(byName[name('ok')]).toMatchObject({ state: 'ok', rejects: {} });
    expect(byName[name('rate')]).toMatchObject({ kod: 'RATE', rejects: { kod: expect.any(Number) } });
    expect(byName[name('deny')]).toMatchObject({ kod: 'DENY', state: 'kod_denied', next_poll_in_s: null });
    expect(byName[name('rstr')]).toMatchObject({ kod: 'RSTR', state: 'kod_denied' });
    expect(byName[name('silent')]).toMatchObject({ state: 'unreachable', rejects: { timeout: expect.any(Number) } });
    expect(byName[name('s16')]).toMatchObject({ rejects: { unsynchronized: expect.any(Number) } });
    const requests = w.network.requests;
    expect(requests[name('deny')]).toBe(1);
    expect(requests[name('rstr')]).toBe(1);
    // 7200 s at 64 s is 113 polls; a server that asks for RATE gets far fewer, a silent one fewer by back-off.
    expect(requests[name('ok')]).toBeGreaterThan(100);
    expect(requests[name('rate')]).toBeLessThan(15);
    expect(requests[name('silent')]).toBeLessThan(15);
    expect(w.rounds.every((r) => r.combined.ok && r.combined.survivors.join() === name('ok'))).toBe(true);
  });

  test("a falseticker 40 ms out is excluded by the sampler's selection; the combination stays on the truth", async () => {
    const w = samplerWorld(
      [
        { name: name('a'), server: { kind: 'honest' }, path: INTERNET_PATH },
        { name: name('b'), server: { kind: 'honest' }, path: INTERNET_PATH },
        { name: name('f'), server: { kind: 'falseticker', offsetS: 0.04 }, path: INTERNET_PATH },
      ],
      { sampler: { spreadMs: 20 } },
    );
    w.sampler.start();
    await w.scheduler.runFor(HOUR_S);
    await w.sampler.stop();
    const full = w.rounds.map((r) => r.combined).filter((c): c is CombinedOffset => c.ok && Object.keys(c.weights).length === 3);
    expect(full.length).toBeGreaterThan(50);
    for (const c of full) {
      expect(c.falsetickers).toEqual([name('f')]);
      const tS = (w.rounds.find((r) => r.combined === c)?.results.find((x) => x.ok) as NtpSample).tS;
      expect(Math.abs(c.offsetS - w.host.trueOffsetAtHost(tS))).toBeLessThan(0.01);
    }
  });

  test('around a leap second the smearing and the stepping server disagree by up to 0.5 s, and the stepper announces it', async () => {
    const leapAtS = 2 * HOUR_S;
    const w = samplerWorld([
      { name: name('smear'), server: { kind: 'leap_smear', leapAtS }, path: INTERNET_PATH },
      { name: name('step'), server: { kind: 'leap_step', leapAtS }, path: INTERNET_PATH },
    ]);
    w.sampler.start();
    await w.scheduler.runFor(4 * HOUR_S);
    await w.sampler.stop();
    const gaps: { atS: number; gapS: number; stepLeap: number }[] = [];
    for (const r of w.rounds) {
      const smear = r.results.find((x): x is NtpSample => x.ok && x.server === name('smear'));
      const step = r.results.find((x): x is NtpSample => x.ok && x.server === name('step'));
      if (smear && step)
        gaps.push({ atS: w.host.trueTimeAtHost(step.tS) - START_S, gapS: step.offsetS - smear.offsetS, stepLeap: step.leap });
    }
    expect(gaps.length).toBeGreaterThan(150);
    for (const g of gaps) expect(Math.abs(g.gapS)).toBeLessThanOrEqual(0.5 + 0.005);
    const justBefore = gaps.filter((g) => g.atS < leapAtS).at(-1);
    const justAfter = gaps.find((g) => g.atS >= leapAtS);
    // The smear is half done at the leap: the stepper is 0.5 s ahead just before it, 0.5 s behind just after.
    expect(justBefore?.gapS).toBeCloseTo(0.5, 2);
    expect(justAfter?.gapS).toBeCloseTo(-0.5, 2);
    expect(justBefore?.stepLeap).toBe(1);
    expect(justAfter?.stepLeap).toBe(0);
    // Two hours on, the smear has caught up another 1/12 of its second.
    expect(gaps.at(-1)?.gapS).toBeCloseTo(-0.5 + 2 / 24, 2);
  });

  test('an outage of every path: rounds fail and back off, then measurements resume after it', async () => {
    const outages = [{ atS: HOUR_S, durationS: 1800 }];
    const w = samplerWorld([
      { name: name('a'), server: { kind: 'honest' }, path: { ...INTERNET_PATH, outages } },
      { name: name('b'), server: { kind: 'honest' }, path: { ...INTERNET_PATH, outages } },
    ]);
    w.sampler.start();
    await w.scheduler.runFor(HOUR_S + 1700);
    expect(w.sampler.status().state).toBe('no_response');
    await w.scheduler.runFor(1500);
    expect(w.sampler.status().state).toBe('running');
    const okTimesS = w.rounds.filter((r) => r.combined.ok).map((r) => w.host.trueTimeAtHost(r.endedAtS) - START_S);
    expect(okTimesS.some((t) => t > HOUR_S && t < HOUR_S + 1800)).toBe(false);
    expect(okTimesS.some((t) => t > HOUR_S + 1800)).toBe(true);
    await w.sampler.stop();
  });

  test('deterministic: the same seed gives the same rounds, bit for bit', async () => {
    const run = async (seed: number) => {
      const w = samplerWorld(
        [
          {
            name: name('a'),
            server: { kind: 'honest', jitterS: 2e-5 },
            path: { ...INTERNET_PATH, spike: { probability: 0.05, minS: 0.005, alpha: 1.5 } },
          },
          { name: name('b'), server: { kind: 'honest' }, path: { ...INTERNET_PATH, lossProbability: 0.1 } },
        ],
        { seed, host: { driftPpm: 30, wanderPpmPerSqrtHour: 1, whiteFmSPerSqrtS: 1e-6, seed } },
      );
      w.sampler.start();
      await w.scheduler.runFor(HOUR_S);
      await w.sampler.stop();
      return JSON.stringify(w.rounds);
    };
    const first = await run(8);
    expect(await run(8)).toBe(first);
    expect(await run(9)).not.toBe(first);
  });
});
