import { realtimeStepS } from '@chronotick/ntp';
import { SimHostClock, VirtualScheduler, type SimHostClockParams, type SimHostFunctionParams } from '@chronotick/sim';

const START_S = 1.7e9;

function world(params: SimHostClockParams | SimHostFunctionParams = {}) {
  const scheduler = new VirtualScheduler({ startS: START_S });
  return { scheduler, clock: new SimHostClock(scheduler, params) };
}

describe('SimHostClock', () => {
  test('a constant drift integrates to the right offset; realtime = true − θ and monotonic runs at the same rate', async () => {
    const { scheduler, clock } = world({ initialOffsetS: 0.01, driftPpm: 12 });
    const start = clock.now();
    expect(start.realtimeS).toBeCloseTo(START_S - 0.01, 6);
    await scheduler.runFor(3600);
    const later = clock.now();
    const thetaS = 0.01 + 12e-6 * 3600;
    expect(clock.trueOffsetAtTrue(scheduler.nowS)).toBeCloseTo(thetaS, 12);
    expect(later.realtimeS).toBeCloseTo(scheduler.nowS - thetaS, 6);
    // Positive drift = host slow: both clocks gained 3600 s less 43.2 ms.
    expect(later.monotonicS - start.monotonicS).toBeCloseTo(3600 - 12e-6 * 3600, 9);
    expect(clock.trueDriftAtTrue(scheduler.nowS)).toBeCloseTo(12e-6, 15);
  });

  test('a step moves realtime by its size and leaves monotonic alone', async () => {
    const { scheduler, clock } = world({ driftPpm: 5, steps: [{ atS: 3600, stepS: 0.05 }] });
    await scheduler.runUntil(START_S + 3599.5);
    const before = clock.now();
    await scheduler.runUntil(START_S + 3600.5);
    const after = clock.now();
    // Realtime is a float at 1.7e9 s (ulp 0.24 µs), as in the daemon.
    expect(realtimeStepS(before, after)).toBeCloseTo(0.05, 6);
    expect(after.monotonicS - before.monotonicS).toBeCloseTo(1 - 5e-6, 9);
    // θ = true − host jumps the other way.
    expect(clock.trueOffsetAtTrue(START_S + 3600.5) - clock.trueOffsetAtTrue(START_S + 3599.5)).toBeCloseTo(-0.05 + 5e-6, 9);
  });

  test('a suspend stops monotonic while realtime keeps true pace, so realtime jumps against monotonic by the duration', async () => {
    const { scheduler, clock } = world({ driftPpm: 20, suspends: [{ atS: 7200, durationS: 1200 }] });
    await scheduler.runUntil(START_S + 7199);
    const before = clock.now();
    await scheduler.runUntil(START_S + 7800); // asleep
    const asleep = clock.now();
    expect(asleep.monotonicS - before.monotonicS).toBeCloseTo(1 - 20e-6, 9);
    expect(asleep.realtimeS - before.realtimeS).toBeCloseTo(601 * (1 - 20e-6), 6);
    await scheduler.runUntil(START_S + 8401);
    const after = clock.now();
    expect(after.monotonicS - before.monotonicS).toBeCloseTo(2 * (1 - 20e-6), 9);
    expect(realtimeStepS(before, after)).toBeCloseTo(1200 * (1 - 20e-6), 6);
  });

  test('the temperature the host reads drives the frequency: dθ/dt = ppmPerC·ΔT + quadratic·ΔT²', async () => {
    const temperature = { meanC: 40, amplitudeC: 5, periodS: 4 * 3600, ppmPerC: -0.4, quadraticPpmPerC2: -0.03, noiseC: 0.8 };
    const { scheduler, clock } = world({ driftPpm: 3, temperature, seed: 5 });
    const residualsPpm: number[] = [];
    const temperaturesC: number[] = [];
    for (let i = 0; i < 48; i++) {
      await scheduler.runFor(600);
      const c = clock.temperatureC();
      if (c === null) throw new Error('no temperature');
      temperaturesC.push(c);
      const dC = c - temperature.meanC;
      const expectedPpm = 3 + temperature.ppmPerC * dC + temperature.quadraticPpmPerC2 * dC * dC;
      residualsPpm.push(clock.trueDriftAtTrue(scheduler.nowS) * 1e6 - expectedPpm);
    }
    // At whole seconds the grid holds the exact relation.
    expect(Math.max(...residualsPpm.map(Math.abs))).toBeLessThan(1e-9);
    // The reading swings with the cycle and its noise.
    expect(Math.max(...temperaturesC) - Math.min(...temperaturesC)).toBeGreaterThan(8);
  });

  test('θ integrates the temperature-driven frequency: the offset change over a span matches ∫ dθ/dt', () => {
    const { clock } = world({
      temperature: { meanC: 25, amplitudeC: 3, periodS: 7200, ppmPerC: 1, noiseC: 0.5 },
      wanderPpmPerSqrtHour: 0.2,
      seed: 9,
    });
    let integralS = 0;
    const stepS = 0.25;
    for (let t = 1000; t < 4600; t += stepS)
      integralS += ((clock.trueDriftAtTrue(START_S + t) + clock.trueDriftAtTrue(START_S + t + stepS)) / 2) * stepS;
    expect(clock.trueOffsetAtTrue(START_S + 4600) - clock.trueOffsetAtTrue(START_S + 1000)).toBeCloseTo(integralS, 10);
  });

  test('trueOffsetAtHost agrees with trueOffsetAtTrue at the matching instant, across forward and backward steps', () => {
    const { clock } = world({
      initialOffsetS: -0.3,
      driftPpm: 150,
      wanderPpmPerSqrtHour: 2,
      whiteFmSPerSqrtS: 2e-6,
      temperature: { meanC: 30, amplitudeC: 2, periodS: 3000, ppmPerC: 0.5 },
      steps: [
        { atS: 1000, stepS: 0.5 },
        { atS: 5000, stepS: -0.2 },
      ],
      seed: 3,
    });
    // Well away from the backward step, where the host read each value once.
    for (let t = 0; t < 9000; t += 37.3) {
      if (t > 4999 && t < 5001) continue;
      const trueS = START_S + t;
      const hostS = clock.realtimeAtTrue(trueS);
      expect(clock.trueOffsetAtHost(hostS)).toBeCloseTo(clock.trueOffsetAtTrue(trueS), 9);
      expect(clock.trueTimeAtHost(hostS)).toBeCloseTo(trueS, 5);
      expect(clock.trueDriftAtHost(hostS)).toBeCloseTo(clock.trueDriftAtTrue(trueS), 12);
    }
  });

  test('a value read twice around a backward step maps to the latest reading up to now', async () => {
    const { scheduler, clock } = world({ driftPpm: 10, steps: [{ atS: 100, stepS: -0.5 }] });
    await scheduler.runUntil(START_S + 200);
    const hostS = clock.realtimeAtTrue(START_S + 99.8); // read again about 0.5 s later, after the step
    const trueS = clock.trueTimeAtHost(hostS);
    expect(trueS - START_S).toBeCloseTo(100.3, 4);
    expect(clock.realtimeAtTrue(trueS)).toBeCloseTo(hostS, 6);
    expect(clock.trueOffsetAtHost(hostS)).toBeCloseTo(clock.trueOffsetAtTrue(trueS), 9);
  });

  test('the random walk is memoised: asking the far future first changes nothing about the past', () => {
    const params: SimHostClockParams = { driftPpm: 7, wanderPpmPerSqrtHour: 1, whiteFmSPerSqrtS: 1e-6, seed: 11 };
    const inOrder = world(params).clock;
    const sampled = [10, 500.5, 3601, 86_399].map((t) => inOrder.trueOffsetAtTrue(START_S + t));
    const backwards = world(params).clock;
    backwards.trueOffsetAtTrue(START_S + 90_000);
    expect([10, 500.5, 3601, 86_399].map((t) => backwards.trueOffsetAtTrue(START_S + t))).toEqual(sampled);
  });

  test('deterministic per seed: the same seed gives the same clock, another seed another clock', () => {
    const params = (seed: number): SimHostClockParams => ({ driftPpm: 12, wanderPpmPerSqrtHour: 0.5, whiteFmSPerSqrtS: 1e-6, seed });
    const at = (seed: number) => [600, 3600, 7200].map((t) => world(params(seed)).clock.trueOffsetAtTrue(START_S + t));
    expect(at(1)).toEqual(at(1));
    expect(at(2)).not.toEqual(at(1));
    // Wander shows up: after two hours the paths of two seeds differ by more than rounding.
    expect(Math.abs((at(2)[2] ?? 0) - (at(1)[2] ?? 0))).toBeGreaterThan(1e-6);
  });

  test('each random term has its own stream: adding white FM or temperature noise leaves the wander path as it was', () => {
    const base: SimHostClockParams = { driftPpm: 12, wanderPpmPerSqrtHour: 0.5, seed: 4 };
    const plain = world(base).clock;
    const noisier = world({ ...base, whiteFmSPerSqrtS: 1e-6 }).clock;
    for (const t of [100, 3600, 20_000]) expect(noisier.trueDriftAtTrue(START_S + t)).toBe(plain.trueDriftAtTrue(START_S + t));
    expect(noisier.trueOffsetAtTrue(START_S + 20_000)).not.toBe(plain.trueOffsetAtTrue(START_S + 20_000));
  });

  test('an offsetModel-style function of host time gives the same clock: true = host + θ(host)', async () => {
    const originS = START_S - 0.02;
    const offsetAtHostS = (hostS: number): number =>
      0.02 + 25e-6 * (hostS - originS) + 0.001 * Math.sin((2 * Math.PI * (hostS - originS)) / 3600);
    const { scheduler, clock } = world({ offsetAtHostS, steps: [{ atS: 1800, stepS: 0.1 }] });
    for (const t of [0, 900, 2700, 5000]) {
      await scheduler.runUntil(START_S + t);
      const { realtimeS } = clock.now();
      // Before the step the host reads the model's clock exactly; after it, 0.1 s more.
      const stepS = t >= 1800 ? 0.1 : 0;
      expect(realtimeS - stepS + offsetAtHostS(realtimeS - stepS)).toBeCloseTo(scheduler.nowS, 6);
      expect(clock.trueOffsetAtHost(realtimeS)).toBeCloseTo(offsetAtHostS(realtimeS - stepS) - stepS, 9);
    }
    expect(clock.temperatureC()).toBeNull();
    // dθ/dhost, up to the (dθ/dhost)² that separates it from dθ/dtrue.
    expect(clock.trueDriftAtTrue(START_S + 100)).toBeCloseTo(
      25e-6 + (0.001 * 2 * Math.PI * Math.cos((2 * Math.PI * 100.02) / 3600)) / 3600,
      8,
    );
  });

  test('bad parameters are refused with SIM_BAD_CONFIG naming the field', () => {
    const scheduler = new VirtualScheduler();
    expect(() => new SimHostClock(scheduler, { driftPpm: 900 })).toThrow(
      expect.objectContaining({ code: 'SIM_BAD_CONFIG', message: expect.stringContaining('driftPpm') }),
    );
    expect(() => new SimHostClock(scheduler, { offsetAtHostS: () => 0, driftPpm: 3 } as never)).toThrow(
      expect.objectContaining({ code: 'SIM_BAD_CONFIG' }),
    );
    expect(() => new SimHostClock(scheduler, { suspends: [{ atS: 10, durationS: -1 }] })).toThrow(
      expect.objectContaining({ code: 'SIM_BAD_CONFIG' }),
    );
  });
});
