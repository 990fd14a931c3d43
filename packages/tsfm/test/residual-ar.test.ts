import {
  SeededRandom,
  TsfmError,
  createDefaultRegistry,
  createLinearForecaster,
  createResidualArForecaster,
  type Measurement,
} from '../src';

const T0 = 1.7e9;
const HOUR = 3600;

/**
 * A clock whose frequency follows a temperature cycle (0.35 ppm/°C, ±4 °C, 2 h), plus a
 * constant drift and Gaussian measurement noise: the truth is known exactly.
 */
function thermalClock(opts: { n: number; intervalS: number; noiseS: number; seed: number; withTemperature: boolean }): {
  history: Measurement[];
  truthAt: (tS: number) => number;
  temperatureAt: (tS: number) => number;
} {
  const ppmPerC = 0.35e-6;
  const amplitudeC = 4;
  const periodS = 2 * HOUR;
  const w = (2 * Math.PI) / periodS;
  const tempAt = (t: number): number => 35 + amplitudeC * Math.sin(w * t);
  // θ(t) = 1 ms + 8 ppm·t + ∫ k(T − 35) dt
  const truthAt = (tS: number): number => {
    const t = tS - T0;
    return 1e-3 + 8e-6 * t + ((ppmPerC * amplitudeC) / w) * (1 - Math.cos(w * t));
  };
  const rng = new SeededRandom(opts.seed);
  const history: Measurement[] = [];
  for (let i = 0; i < opts.n; i++) {
    const tS = T0 + i * opts.intervalS;
    const m: Measurement = { tS, offsetS: truthAt(tS) + opts.noiseS * rng.normal(), delayS: null, uncertaintyS: opts.noiseS };
    if (opts.withTemperature) m.covariates = { temperature_c: tempAt(tS - T0) };
    history.push(m);
  }
  return { history, truthAt, temperatureAt: (tS) => tempAt(tS - T0) };
}

/**
 * The same instants measured over paths with 1 ms of exponential queueing each way: an
 * exchange's error is half the difference of its two delays, and shows in its excess delay.
 */
function overQueueingPaths(clean: readonly Measurement[], truthAt: (tS: number) => number, seed: number): Measurement[] {
  const rng = new SeededRandom(seed);
  return clean.map((m): Measurement => {
    const out = rng.exponential(1e-3);
    const back = rng.exponential(1e-3);
    return { tS: m.tS, offsetS: truthAt(m.tS) + (out - back) / 2, delayS: 0.02 + out + back, covariates: m.covariates ?? {} };
  });
}

/** Mean |error| and coverage of ±1.96σ of a forecaster's predictions `aheadS` past the history (64 s..10 min), from many origins. */
function score(
  forecaster: ReturnType<typeof createResidualArForecaster>,
  all: Measurement[],
  truthAt: (tS: number) => number,
  from: number,
  aheadS: readonly number[] = [64, 300, 600],
): { maeS: number; coverage: number } {
  let sum = 0;
  let n = 0;
  let inside = 0;
  for (let end = from; end < all.length; end += 7) {
    const history = all.slice(0, end);
    const lastS = (history[history.length - 1] as Measurement).tS;
    const targets = aheadS.map((a) => lastS + a);
    for (const p of forecaster.forecast(history, targets).points) {
      const err = Math.abs(p.meanS - truthAt(p.tS));
      sum += err;
      n++;
      if (err <= 1.96 * p.sigmaS) inside++;
    }
  }
  return { maeS: sum / n, coverage: inside / n };
}

describe('residual_ar: the online model of this host clock', () => {
  test('learns a temperature-driven frequency from the covariate and beats the linear fit several times over', () => {
    const { history, truthAt } = thermalClock({ n: 400, intervalS: 64, noiseS: 100e-6, seed: 3, withTemperature: true });
    const model = score(createResidualArForecaster(), history, truthAt, 150);
    const linear = score(createLinearForecaster(), history, truthAt, 150);
    // The cycle moves the offset by ±1.6 ms; once the model has seen a cycle it follows it.
    expect(model.maeS).toBeLessThan(linear.maeS / 3);
    expect(model.maeS).toBeLessThan(100e-6);
    // Its σ is honest: the 95% interval holds the truth about as often as it says.
    expect(model.coverage).toBeGreaterThan(0.9);
    console.log(
      `temperature: residual_ar MAE ${(model.maeS * 1e6).toFixed(0)} µs, coverage ${model.coverage.toFixed(2)}; linear ${(linear.maeS * 1e6).toFixed(0)} µs, ${linear.coverage.toFixed(2)}`,
    );
  });

  test('with a temperature, the quiet exchanges and the frequency now carry the forecast', () => {
    // The same cycle, plus a frequency that ramps by 0.1 ppm an hour (a wander's trend)
    // and three servers a round over queueing paths: an exchange's error is half the
    // difference of its two queueing delays, so it shows in its excess delay.
    const rampPerS2 = 0.1e-6 / HOUR;
    const { history: clean, truthAt: thermalAt } = thermalClock({ n: 1200, intervalS: 64 / 3, noiseS: 0, seed: 6, withTemperature: true });
    const truthAt = (tS: number): number => thermalAt(tS) + 0.5 * rampPerS2 * (tS - T0) ** 2;
    const history = overQueueingPaths(clean, truthAt, 6);
    // Until the next round: beyond it, holding the newest temperature costs far more.
    const model = score(createResidualArForecaster(), history, truthAt, 600, [20, 40, 60]);
    const linear = score(createLinearForecaster(), history, truthAt, 600, [20, 40, 60]);
    // 52 µs against the fit's 131; 75 µs when the floor was the median excess and the
    // ramp was left to a 64-sample line.
    expect(model.maeS).toBeLessThan(linear.maeS / 2);
    expect(model.maeS).toBeLessThan(60e-6);
    expect(model.coverage).toBeGreaterThan(0.9);
    console.log(
      `temperature, ramp, queueing: residual_ar MAE ${(model.maeS * 1e6).toFixed(0)} µs, coverage ${model.coverage.toFixed(2)}; linear ${(linear.maeS * 1e6).toFixed(0)} µs, ${linear.coverage.toFixed(2)}`,
    );
  });

  test('with a temperature and a dense poll, the window still spans two hours of it', () => {
    // Three servers every 16 s: 384 samples would be 34 minutes of a 2 h cycle.
    const { history: clean, truthAt } = thermalClock({ n: 2700, intervalS: 16 / 3, noiseS: 0, seed: 7, withTemperature: true });
    const history = overQueueingPaths(clean, truthAt, 7);
    const model = score(createResidualArForecaster(), history, truthAt, 1700, [20, 40, 60]);
    const linear = score(createLinearForecaster(), history, truthAt, 1700, [20, 40, 60]);
    // 19 µs against the fit's 81; 48 µs from the newest 384 samples alone.
    expect(model.maeS).toBeLessThan(linear.maeS * 0.4);
    expect(model.coverage).toBeGreaterThan(0.9);
    console.log(
      `temperature, dense poll: residual_ar MAE ${(model.maeS * 1e6).toFixed(0)} µs, coverage ${model.coverage.toFixed(2)}; linear ${(linear.maeS * 1e6).toFixed(0)} µs, ${linear.coverage.toFixed(2)}`,
    );
  });

  test('through an outage it follows the temperature the host still reads', () => {
    const {
      history: all,
      truthAt,
      temperatureAt,
    } = thermalClock({ n: 400, intervalS: 64, noiseS: 100e-6, seed: 8, withTemperature: true });
    const model = createResidualArForecaster();
    let worstWith = 0;
    let worstWithout = 0;
    for (const end of [260, 290, 320, 350]) {
      const history = all.slice(0, end);
      const lastS = history[history.length - 1]!.tS;
      // 30 minutes of silent servers, the temperature read every 16 s meanwhile.
      const readings = Array.from({ length: 112 }, (_, i) => {
        const tS = lastS + 16 * (i + 1);
        return { tS, covariates: { temperature_c: temperatureAt(tS) } };
      });
      const targetS = lastS + 1800;
      const withReadings = model.forecast(history, [targetS], readings).points[0]!;
      const without = model.forecast(history, [targetS]).points[0]!;
      worstWith = Math.max(worstWith, Math.abs(withReadings.meanS - truthAt(targetS)));
      worstWithout = Math.max(worstWithout, Math.abs(without.meanS - truthAt(targetS)));
      // Beyond the last reading only the fit's own uncertainty is left: σ narrower too.
      expect(withReadings.sigmaS).toBeLessThan(without.sigmaS);
    }
    console.log(
      `30 min outage: residual_ar worst |error| ${(worstWith * 1e6).toFixed(0)} µs with the readings, ${(worstWithout * 1e6).toFixed(0)} µs holding the last temperature`,
    );
    expect(worstWith).toBeLessThan(0.2 * worstWithout);
    expect(worstWith).toBeLessThan(60e-6);
  });

  test('without a covariate it sees the cycle itself (periodic part) and still beats the linear fit', () => {
    const { history, truthAt } = thermalClock({ n: 400, intervalS: 64, noiseS: 100e-6, seed: 4, withTemperature: false });
    const model = score(createResidualArForecaster(), history, truthAt, 150);
    const linear = score(createLinearForecaster(), history, truthAt, 150);
    // The 2 h cycle repeats three times in the window: fitted as a sinusoid, it forecasts.
    expect(model.maeS).toBeLessThan(linear.maeS / 2);
    expect(model.coverage).toBeGreaterThan(0.9);
    console.log(
      `no covariate: residual_ar MAE ${(model.maeS * 1e6).toFixed(0)} µs, coverage ${model.coverage.toFixed(2)}; linear ${(linear.maeS * 1e6).toFixed(0)} µs, ${linear.coverage.toFixed(2)}`,
    );
  });

  test('on a plain line it gives the line, with a σ near the noise', () => {
    const rng = new SeededRandom(9);
    const history: Measurement[] = Array.from({ length: 100 }, (_, i) => {
      const tS = T0 + i * 64;
      return { tS, offsetS: 0.002 + 20e-6 * (tS - T0) + 50e-6 * rng.normal(), delayS: null, uncertaintyS: 50e-6 };
    });
    const lastS = T0 + 99 * 64;
    const f = createResidualArForecaster().forecast(history, [lastS + 64]);
    const p = f.points[0]!;
    expect(Math.abs(p.meanS - (0.002 + 20e-6 * (lastS + 64 - T0)))).toBeLessThan(50e-6);
    expect(p.sigmaS).toBeGreaterThan(30e-6);
    expect(p.sigmaS).toBeLessThan(100e-6);
    expect(f.drift?.rateSPerS).toBeCloseTo(20e-6, 7);
  });

  test('a temperature that has moved only by its sensor noise is left out, not fitted', () => {
    // The first minutes of a 16 s poll of three servers: the temperature is 35 °C with
    // 0.5 °C of sensor noise and the clock does not follow it (8 ppm and queueing only).
    const rng = new SeededRandom(4);
    const { history: clean } = thermalClock({ n: 100, intervalS: 16 / 3, noiseS: 0, seed: 4, withTemperature: false });
    const truth = (tS: number): number => 1e-3 + 8e-6 * (tS - T0);
    const all = overQueueingPaths(clean, truth, 40).map((m) => ({ ...m, covariates: { temperature_c: 35 + 0.5 * rng.normal() } }));
    let worstS = 0;
    let worstLineS = 0;
    for (let end = 12; end <= all.length; end++) {
      const history = all.slice(0, end);
      const targetS = history[end - 1]!.tS + 16;
      const model = createResidualArForecaster().forecast(history, [targetS]).points[0]!.meanS;
      const line = createLinearForecaster().forecast(history, [targetS]).points[0]!.meanS;
      worstS = Math.max(worstS, Math.abs(model - truth(targetS)));
      worstLineS = Math.max(worstLineS, Math.abs(line - truth(targetS)));
    }
    // With the noise fitted as a temperature coefficient, the worst was 1.9 ms against the line's 0.27.
    expect(worstS).toBeLessThan(2 * worstLineS);
  });

  test("a delay spike as the newest reply is not carried forward as the clock's state", () => {
    // A clock that wanders (the residuals about the line correlate from poll to poll),
    // polled every 64 s over a path with some queueing.
    const rng = new SeededRandom(12);
    let walkS = 0;
    const history: Measurement[] = Array.from({ length: 120 }, (_, i) => {
      walkS += 15e-6 * rng.normal();
      const excessS = rng.exponential(100e-6);
      return { tS: T0 + i * 64, offsetS: 0.001 + walkS + (rng.next() - 0.5) * excessS, delayS: 0.02 + excessS };
    });
    const newest = history[history.length - 1]!;
    const targetS = newest.tS + 64 + 30;
    const before = createResidualArForecaster().forecast(history, [targetS]).points[0]!.meanS;
    // 3 ms off, with 6 ms of excess delay: one queued reply.
    const spike: Measurement = { tS: newest.tS + 64, offsetS: newest.offsetS + 3e-3, delayS: 0.026 };
    const after = createResidualArForecaster().forecast([...history, spike], [targetS]).points[0]!.meanS;
    expect(Math.abs(after - before)).toBeLessThan(100e-6);
  });

  test('keeps its fit between rounds, and refits when any sample of the window changes', () => {
    const { history } = thermalClock({ n: 180, intervalS: 64, noiseS: 20e-6, seed: 5, withTemperature: true });
    const lastS = history[history.length - 1]!.tS;
    const kept = createResidualArForecaster();
    // Forecasts at new instants from the same measurements (the daemon's runs between
    // two NTP rounds) answer as a forecaster that never saw the history before.
    for (const aheadS of [16, 32, 48]) {
      const targets = [lastS + aheadS, lastS + aheadS + 600];
      expect(kept.forecast(history, targets)).toEqual(createResidualArForecaster().forecast(history, targets));
    }
    // A changed offset, a changed temperature, a lost sample, or a shuffled copy: each
    // answered as a fresh fit of that history would be.
    const targets = [lastS + 64];
    const offsetMoved = history.map((m, i) => (i === 40 ? { ...m, offsetS: m.offsetS + 200e-6 } : m));
    const warmer = history.map((m, i) => (i === 90 ? { ...m, covariates: { temperature_c: 60 } } : m));
    const lost = history.filter((_, i) => i !== 100);
    const shuffled = [...history].reverse();
    for (const changed of [offsetMoved, warmer, lost, shuffled, history]) {
      const fresh = createResidualArForecaster().forecast(changed, targets);
      expect(kept.forecast(changed, targets)).toEqual(fresh);
    }
    expect(kept.forecast(offsetMoved, targets)).not.toEqual(kept.forecast(history, targets));
    expect(kept.forecast(warmer, targets)).not.toEqual(kept.forecast(history, targets));
  });

  test('answers from a handful of samples and refuses an empty history with the typed error', () => {
    const few: Measurement[] = [0, 1, 2].map((i) => ({ tS: T0 + i * 2, offsetS: 1e-3, delayS: 0.02 }));
    const f = createResidualArForecaster().forecast(few, [T0 + 10]);
    expect(Number.isFinite(f.points[0]!.meanS)).toBe(true);
    expect(f.points[0]!.sigmaS).toBeGreaterThan(0);
    expect(() => createResidualArForecaster().forecast([], [T0])).toThrow(TsfmError);
    expect(() => createResidualArForecaster({ maxSamples: 2 })).toThrow(TsfmError);
  });

  test('is in the registry like any model', () => {
    const registry = createDefaultRegistry();
    expect(registry.names()).toContain('residual_ar');
    expect(registry.create('residual_ar').name).toBe('residual_ar');
  });
});
