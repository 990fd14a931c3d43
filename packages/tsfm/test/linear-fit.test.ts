import {
  SeededRandom,
  TsfmError,
  createLinearForecaster,
  fitLinearDrift,
  predictLinearDrift,
  simulateScenario,
  simulate,
  type Measurement,
} from '../src';

/** A straight line plus seeded Gaussian noise, so the truth is exact. */
function line(n: number, opts: { offsetS: number; driftPpm: number; noiseS?: number; intervalS?: number; t0S?: number }): Measurement[] {
  const out: Measurement[] = [];
  const rng = new SeededRandom(42);
  for (let i = 0; i < n; i++) {
    const tS = (opts.t0S ?? 1.7e9) + i * (opts.intervalS ?? 64);
    const noise = (opts.noiseS ?? 0) * rng.normal();
    out.push({ tS, offsetS: opts.offsetS + opts.driftPpm * 1e-6 * (tS - 1.7e9) + noise, delayS: null });
  }
  return out;
}

describe('fitLinearDrift', () => {
  test('recovers an exact line at Unix-epoch timestamps without losing precision', () => {
    const fit = fitLinearDrift(line(20, { offsetS: 0.01, driftPpm: 37 }));
    expect(fit.driftSPerS).toBeCloseTo(37e-6, 12);
    expect(predictLinearDrift(fit, 1.7e9).meanS).toBeCloseTo(0.01, 9);
    expect(fit.used).toBe(20);
    expect(fit.rejected).toBe(0);
  });

  test.each(['quartz_drift', 'vm_fast_drift'])('recovers simulated %s drift and offset within its stated uncertainty', (name) => {
    for (const seed of [1, 2, 3]) {
      const { measurements } = simulateScenario(name, { seed, durationS: 3600 });
      const fit = fitLinearDrift(measurements, { maxSamples: 1000 });
      const last = measurements[measurements.length - 1]!;
      // The truth drifts with wander, so compare against the truth's own slope over the window.
      const first = measurements[0]!;
      const trueDrift = (last.trueOffsetS! - first.trueOffsetS!) / (last.tS - first.tS);
      expect(Math.abs(fit.driftSPerS - trueDrift)).toBeLessThan(4 * fit.driftSigmaSPerS + 0.05e-6);
      const p = predictLinearDrift(fit, last.tS, { includeMeasurementNoise: false });
      // The fixed part of the path asymmetry is invisible to any client; allow the ms it can hide.
      expect(Math.abs(p.meanS - last.trueOffsetS!)).toBeLessThan(4 * p.sigmaS + 1e-3);
    }
  });

  test('rejects a 630 ms outlier and is not moved by it', () => {
    const clean = line(40, { offsetS: 0.002, driftPpm: 0, noiseS: 0.002, intervalS: 120 });
    const dirty = clean.map((m, i) => (i === 25 ? { ...m, offsetS: 0.63 } : m));
    const a = fitLinearDrift(clean);
    const b = fitLinearDrift(dirty);
    expect(b.rejected).toBeGreaterThanOrEqual(1);
    expect(Math.abs(b.offsetS - a.offsetS)).toBeLessThan(0.001);
    expect(Math.abs(b.driftSPerS)).toBeLessThan(0.2e-6);
    expect(b.residualSigmaS).toBeLessThan(0.01);
  });

  test('weights by delay: high-delay samples move the fit less', () => {
    const base = line(30, { offsetS: 0, driftPpm: 0 }).map((m) => ({ ...m, delayS: 0.02 }));
    // Every third exchange queued 40 ms and carries a +20 ms error, half its asymmetry.
    const biased = base.map((m, i) => (i % 3 === 0 ? { ...m, delayS: 0.06, offsetS: 0.02 } : m));
    const fit = fitLinearDrift(biased, { maxRejectFraction: 0 }); // rejection off: weighting alone
    expect(Math.abs(fit.offsetS)).toBeLessThan(0.001);
    const unweighted = fitLinearDrift(
      biased.map((m) => ({ ...m, delayS: null })),
      { maxRejectFraction: 0 },
    );
    expect(unweighted.offsetS).toBeGreaterThan(0.005);
  });

  test('σ(t) grows with the distance from the reference time as the stated formula', () => {
    const fit = fitLinearDrift(line(30, { offsetS: 0, driftPpm: 5, noiseS: 0.001 }));
    const at = (dt: number) => predictLinearDrift(fit, fit.refTimeS + dt).sigmaS;
    expect(at(0)).toBeCloseTo(Math.hypot(fit.offsetSigmaS, fit.residualSigmaS), 12);
    expect(at(3600)).toBeCloseTo(Math.sqrt(fit.offsetSigmaS ** 2 + (fit.driftSigmaSPerS * 3600) ** 2 + fit.residualSigmaS ** 2), 12);
    expect(at(3600)).toBeGreaterThan(at(600));
  });

  test('restarts at a step instead of averaging across it', () => {
    const before = line(40, { offsetS: 0, driftPpm: 0, noiseS: 0.0005 });
    const after = before.map((m, i) => (i >= 34 ? { ...m, offsetS: m.offsetS + 0.05 } : m));
    const fit = fitLinearDrift(after);
    expect(predictLinearDrift(fit, after[39]!.tS + 64).meanS).toBeCloseTo(0.05, 2);
  });

  test.each<[string, Measurement[]]>([
    ['one sample', [{ tS: 1.7e9, offsetS: 0.003, delayS: null }]],
    ['two samples', line(2, { offsetS: 0.001, driftPpm: 10 })],
    ['all at one instant', [0.001, 0.002, 0.003].map((o) => ({ tS: 1.7e9, offsetS: o, delayS: 0.01 }))],
    ['identical samples', line(10, { offsetS: 0.004, driftPpm: 0 })],
    ['mostly outliers', line(10, { offsetS: 0, driftPpm: 0 }).map((m, i) => ({ ...m, offsetS: i % 2 ? 1 : -1 }))],
  ])('%s gives finite figures', (_, history) => {
    const fit = fitLinearDrift(history);
    for (const v of Object.values(fit)) expect(Number.isFinite(v)).toBe(true);
    expect(fit.offsetSigmaS).toBeGreaterThan(0);
    expect(fit.driftSigmaSPerS).toBeGreaterThan(0);
    const p = predictLinearDrift(fit, 1.7e9 + 1e4);
    expect(Number.isFinite(p.meanS) && p.sigmaS > 0 && Number.isFinite(p.sigmaS)).toBe(true);
  });

  test('one sample: holds its offset, drift 0 with the prior drift sigma', () => {
    const fit = fitLinearDrift([{ tS: 1.7e9, offsetS: 0.003, delayS: null }], { priorDriftSigmaPpm: 50 });
    expect(fit.offsetS).toBe(0.003);
    expect(fit.driftSPerS).toBe(0);
    expect(fit.driftSigmaSPerS).toBeCloseTo(50e-6, 12);
  });

  test('one or two samples: a long round trip widens the assumed scatter to delay/√12', () => {
    // A first exchange that queued 25 ms may be 12.5 ms off: the 1 ms default would claim
    // a 99.9% interval of ±3.3 ms around it.
    const slow = fitLinearDrift([{ tS: 1.7e9, offsetS: 0.003, delayS: 0.025 }]);
    expect(slow.residualSigmaS).toBeCloseTo(0.025 / Math.sqrt(12), 12);
    expect(slow.offsetSigmaS).toBeGreaterThanOrEqual(0.025 / Math.sqrt(12));
    const two = fitLinearDrift([
      { tS: 1.7e9, offsetS: 0.003, delayS: 0.002 },
      { tS: 1.7e9 + 2, offsetS: 0.003, delayS: 0.025 },
    ]);
    expect(two.residualSigmaS).toBeCloseTo(0.025 / Math.sqrt(12), 12);
    // A quick round trip keeps the default.
    expect(fitLinearDrift([{ tS: 1.7e9, offsetS: 0.003, delayS: 0.0004 }]).residualSigmaS).toBe(1e-3);
  });

  test('empty history and bad options are typed errors', () => {
    expect(() => fitLinearDrift([])).toThrow(expect.objectContaining({ code: 'TSFM_INSUFFICIENT_HISTORY' }));
    expect(() => fitLinearDrift(line(3, { offsetS: 0, driftPpm: 0 }), { maxSamples: 0 })).toThrow(TsfmError);
  });

  test('the forecaster reports points in the requested order and the fitted drift', () => {
    const history = line(20, { offsetS: 0, driftPpm: -20 });
    const f = createLinearForecaster().forecast(history, [1.7e9 + 2000, 1.7e9 + 1500]);
    expect(f.model).toBe('linear');
    expect(f.points.map((p) => p.tS)).toEqual([1.7e9 + 2000, 1.7e9 + 1500]);
    expect(f.points[0]!.meanS).toBeCloseTo(-20e-6 * 2000, 9);
    expect(f.drift?.rateSPerS).toBeCloseTo(-20e-6, 12);
  });

  test('an unsorted history gives the same fit as a sorted one', () => {
    const { measurements } = simulate({
      seed: 9,
      durationS: 3600,
      intervalS: 60,
      clock: { initialOffsetS: 0, offsetDriftPpm: 3 },
      network: { baseDelayS: 0.01, queueMeanS: 0.001 },
    });
    expect(fitLinearDrift([...measurements].reverse())).toEqual(fitLinearDrift(measurements));
  });
});
