import {
  SCENARIO_NAMES,
  SeededRandom,
  parseReplayCsv,
  scenarioConfig,
  simulate,
  simulateScenario,
  simulationToReplayCsv,
  madSigma,
} from '../src';

describe('simulator', () => {
  test('the same seed gives the same series, another seed a different one', () => {
    expect(simulateScenario('vm_fast_drift', { seed: 7 })).toEqual(simulateScenario('vm_fast_drift', { seed: 7 }));
    expect(simulateScenario('vm_fast_drift', { seed: 8 }).measurements[5]!.offsetS).not.toBe(
      simulateScenario('vm_fast_drift', { seed: 7 }).measurements[5]!.offsetS,
    );
    const a = new SeededRandom(1);
    const b = new SeededRandom(1);
    expect([a.next(), a.normal(), a.pareto(1, 1.5)]).toEqual([b.next(), b.normal(), b.pareto(1, 1.5)]);
  });

  test.each(SCENARIO_NAMES)('%s: measured offsets differ from the truth by half the path asymmetry', (name) => {
    const { measurements, pathAsymmetryS } = simulateScenario(name, { seed: 3 });
    expect(measurements.length).toBe(pathAsymmetryS.length);
    expect(measurements.length).toBeGreaterThan(50);
    const jitterS = scenarioConfig(name).timestampNoiseS ?? 0;
    const residual = measurements.map((m, i) => m.offsetS - m.trueOffsetS! - pathAsymmetryS[i]! / 2);
    for (const r of residual) expect(Math.abs(r)).toBeLessThan(6 * jitterS + 1e-12);
    // And the delay is the whole round trip, never less than the path's minimum.
    for (const m of measurements) expect(m.delayS!).toBeGreaterThanOrEqual(scenarioConfig(name).network.baseDelayS);
  });

  test('delays are heavy-tailed and asymmetric paths produce offset errors of both signs', () => {
    const { measurements, pathAsymmetryS } = simulateScenario('quartz_drift', { seed: 5, durationS: 24 * 3600 });
    const delays = measurements.map((m) => m.delayS!);
    const spread = madSigma(delays);
    const far = delays.filter((d) => d > Math.min(...delays) + 10 * spread).length;
    expect(far).toBeGreaterThan(0);
    expect(pathAsymmetryS.some((a) => a > 0) && pathAsymmetryS.some((a) => a < 0)).toBe(true);
  });

  test('the true offset follows the configured drift, temperature term and steps', () => {
    const noNet = { baseDelayS: 0, queueMeanS: 0 };
    const drift = simulate({
      seed: 1,
      durationS: 1000,
      intervalS: 100,
      clock: { initialOffsetS: 0.5, offsetDriftPpm: -200 },
      network: noNet,
    });
    const last = drift.measurements[drift.measurements.length - 1]!;
    expect(last.trueOffsetS).toBeCloseTo(0.5 - 200e-6 * 1000, 12);
    expect(last.offsetS).toBeCloseTo(last.trueOffsetS!, 12);
    // Host timestamps are reference time minus the offset.
    expect(last.tS).toBeCloseTo(1.7e9 + 1000 - last.trueOffsetS!, 6);

    const cycle = simulate({
      seed: 1,
      durationS: 3600,
      intervalS: 60,
      clock: { initialOffsetS: 0, offsetDriftPpm: 0, temperature: { amplitudePpm: 2, periodS: 3600 } },
      network: noNet,
    });
    // A whole period of a sinusoidal drift integrates to zero.
    expect(cycle.measurements[cycle.measurements.length - 1]!.trueOffsetS).toBeCloseTo(0, 9);
    expect(Math.max(...cycle.measurements.map((m) => m.trueOffsetS!))).toBeGreaterThan(1e-3);

    const stepped = simulate({
      seed: 1,
      durationS: 600,
      intervalS: 60,
      clock: { initialOffsetS: 0, offsetDriftPpm: 0, steps: [{ atS: 300, stepS: 0.05 }] },
      network: noNet,
    });
    expect(stepped.measurements.map((m) => m.trueOffsetS)).toEqual([0, 0, 0, 0, 0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]);
  });

  test('packet loss leaves gaps without reshuffling the other exchanges', () => {
    const base = scenarioConfig('quartz_drift', { seed: 11, durationS: 3600 });
    const lossy = simulate({ ...base, network: { ...base.network, lossProbability: 0.5 } });
    const clean = simulate({ ...base, network: { ...base.network, lossProbability: 0 } });
    expect(lossy.measurements.length).toBeLessThan(clean.measurements.length * 0.8);
    const byTime = new Map(clean.measurements.map((m) => [m.tS, m.offsetS]));
    for (const m of lossy.measurements) expect(byTime.get(m.tS)).toBe(m.offsetS);
  });

  test('writes the replay format with true_offset_s, and it parses back', () => {
    const series = simulateScenario('steps', { seed: 2, durationS: 1800 });
    const csv = simulationToReplayCsv(series);
    expect(csv.split('\n')[0]).toBe('timestamp,offset_s,delay_s,server,true_offset_s');
    const back = parseReplayCsv(csv);
    expect(back).toHaveLength(series.measurements.length);
    back.forEach((m, i) => expect(m.trueOffsetS).toBeCloseTo(series.measurements[i]!.trueOffsetS!, 9));
  });

  test('unknown scenarios and impossible configs are typed errors', () => {
    expect(() => simulateScenario('sundial')).toThrow(expect.objectContaining({ code: 'TSFM_UNKNOWN_SCENARIO' }));
    expect(() => simulate({ ...scenarioConfig('steps'), intervalS: 0 })).toThrow(expect.objectContaining({ code: 'TSFM_BAD_OPTIONS' }));
  });
});
