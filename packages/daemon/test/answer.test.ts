import { buildFutureAnswer, buildTimeAnswer, type AnswerContext } from '../src/engine/answer';
import { extrapolate, hostOnlyCorrection, type Correction } from '../src/engine/correction';
import { twoSidedZ } from '../src/engine/normal';
import { ServedClock } from '../src/engine/served-clock';
import { ManualHostClock, realtimeStepS } from '@chronotick/ntp';

const T0 = 1_800_000_000;

function measured(overrides: Partial<Correction> = {}): Correction {
  return {
    refTimeS: T0,
    offsetS: 0.05,
    driftSPerS: 50e-6,
    offsetSigmaS: 20e-6,
    driftSigmaSPerS: 0.1e-6,
    lastMeasurementS: T0,
    predictionTimeS: T0,
    source: 'ntp',
    clockStatus: 'synchronized',
    ...overrides,
  };
}

const ctx = (systemTimeS: number, extra: Partial<AnswerContext> = {}): AnswerContext => ({
  systemTimeS,
  daemonStatus: 'ready',
  maxDriftPpm: 50,
  coverage: 0.95,
  notBeforeS: -Infinity,
  pendingSlewS: 0,
  ...extra,
});

describe('normal quantiles', () => {
  test('the two-sided z matches known values', () => {
    expect(twoSidedZ(0.95)).toBeCloseTo(1.959964, 5);
    expect(twoSidedZ(0.999)).toBeCloseTo(3.290527, 5);
    expect(twoSidedZ(0.9)).toBeCloseTo(1.644854, 5);
    // The largest coverage below 1 the protocol lets through still has a finite z.
    expect(Number.isFinite(twoSidedZ(1 - 2 ** -53))).toBe(true);
    expect(twoSidedZ(1 - 2 ** -53)).toBeGreaterThan(8);
  });
});

describe('extrapolating a correction', () => {
  test('offset follows the drift; the model σ grows with the drift σ, nothing else (the hard bound carries the worst case)', () => {
    const c = measured();
    const at0 = extrapolate(c, T0);
    expect(at0.offsetS).toBeCloseTo(0.05, 12);
    expect(at0.sigmaS).toBeCloseTo(20e-6, 12);
    const at100 = extrapolate(c, T0 + 100);
    expect(at100.offsetS).toBeCloseTo(0.05 + 50e-6 * 100, 12);
    expect(at100.sigmaS).toBeCloseTo(Math.hypot(20e-6, 0.1e-6 * 100), 12);
  });

  test('the served σ is the model σ times what the record says at that age', () => {
    const scales = { edgeAgeS: 100, fresh: { at95: 0.5, at99: 0.8 }, stale: { at95: 3, at99: 4 }, drift: 2 };
    const c = measured({ scales, driftSigmaSPerS: 0 });
    const fresh = buildTimeAnswer(c, ctx(T0 + 10, { maxDriftPpm: 0 }));
    expect(fresh.time_uncertainty).toBeCloseTo(0.5 * 20e-6, 12);
    // coverage 0.95 in ctx: the 95% scale; a 99% interval takes the 99% one.
    expect((fresh.latest ?? NaN) - fresh.corrected_time).toBeCloseTo(twoSidedZ(0.95) * 0.5 * 20e-6, 6);
    const stale = buildTimeAnswer(c, ctx(T0 + 200, { maxDriftPpm: 0 }));
    expect(stale.time_uncertainty).toBeCloseTo(3 * 20e-6, 12);
    expect(buildTimeAnswer(c, ctx(T0 + 10, { coverage: 0.999 })).latest! - fresh.corrected_time).toBeCloseTo(
      twoSidedZ(0.999) * 0.8 * 20e-6,
      6,
    );
  });
});

describe('the time answer', () => {
  test('interval is z(coverage)·sigma around the corrected time', () => {
    const a = buildTimeAnswer(measured(), ctx(T0 + 10));
    expect(a.corrected_time).toBeCloseTo(T0 + 10 + 0.05 + 50e-6 * 10, 9);
    expect(a.offset_correction).toBeCloseTo(a.corrected_time - a.system_time, 6);
    expect(a.offset_correction).toBeCloseTo(0.05 + 50e-6 * 10, 12);
    expect((a.latest ?? NaN) - a.corrected_time).toBeCloseTo(twoSidedZ(0.95) * (a.time_uncertainty ?? NaN), 6);
    expect(a.corrected_time - (a.earliest ?? NaN)).toBeCloseTo(twoSidedZ(0.95) * (a.time_uncertainty ?? NaN), 6);
    expect(a.valid_until).toBeGreaterThan(a.system_time);
  });

  test('confidence is the probability of an error within 1 ms, from the same σ as the intervals', () => {
    // σ = 1 ms: within ±1σ for a normal error, 68.3%.
    expect(buildTimeAnswer(measured({ offsetSigmaS: 1e-3, driftSigmaSPerS: 0 }), ctx(T0, { maxDriftPpm: 0 })).confidence).toBeCloseTo(
      0.6827,
      4,
    );
  });

  test('with no measurement behind the correction nothing is claimed: no σ, no interval, confidence 0', () => {
    const a = buildTimeAnswer(hostOnlyCorrection(T0), ctx(T0 + 1));
    expect(a).toMatchObject({
      corrected_time: T0 + 1,
      offset_correction: 0,
      offset_uncertainty: null,
      time_uncertainty: null,
      earliest: null,
      latest: null,
      coverage: null,
      hard_earliest: null,
      hard_latest: null,
      confidence: 0,
      source: 'system',
    });
  });

  test('confidence falls as the uncertainty grows', () => {
    const sure = buildTimeAnswer(measured(), ctx(T0));
    const unsure = buildTimeAnswer(hostOnlyCorrection(T0), ctx(T0));
    expect(sure.confidence).toBeGreaterThan(0.9);
    expect(unsure.confidence).toBeLessThan(0.01);
  });

  test('served time never goes backwards unless the clock is disrupted', () => {
    const a = buildTimeAnswer(measured(), ctx(T0, { notBeforeS: T0 + 1 }));
    expect(a.corrected_time).toBe(T0 + 1);
    const d = buildTimeAnswer(measured({ clockStatus: 'disrupted' }), ctx(T0, { notBeforeS: T0 + 1 }));
    expect(d.corrected_time).toBeLessThan(T0 + 1);
  });
});

describe('the future answer', () => {
  test('without a forecast it follows the drift line, its σ growing with the drift σ', () => {
    const c = measured();
    const a = buildFutureAnswer(c, ctx(T0 + 10), 600);
    expect(a.projected_time).toBeCloseTo(T0 + 610 + 0.05 + 50e-6 * 610, 6);
    expect(a.projected_uncertainty).toBeCloseTo(extrapolate(c, T0 + 610).sigmaS, 12);
    expect(a.confidence_decay).toBeGreaterThan(1);
  });

  test('with a fused forecast it bends to the forecast, and beyond its end carries on along the drift', () => {
    const line = (tS: number): number => 0.05 + 50e-6 * (tS - T0);
    // The forecast departs from the drift line: +1 ms by T0+300, +3 ms by T0+900.
    const projection = [
      { tS: T0 + 300, offsetS: line(T0 + 300) + 1e-3 },
      { tS: T0 + 900, offsetS: line(T0 + 900) + 3e-3 },
    ];
    const c = measured({ projection });
    // Unix-epoch seconds carry ~0.2 µs of rounding: compare to the µs.
    const at = (futureS: number): number => buildFutureAnswer(c, ctx(T0), futureS).projected_time - (T0 + futureS) - line(T0 + futureS);
    expect(at(0)).toBeCloseTo(0, 6);
    expect(at(150)).toBeCloseTo(0.5e-3, 6);
    expect(at(300)).toBeCloseTo(1e-3, 6);
    expect(at(600)).toBeCloseTo(2e-3, 6);
    expect(at(1800)).toBeCloseTo(3e-3, 6);
    // Asked later, the bend counts from the instant asked: zero seconds ahead is the
    // served time itself, and past the forecast's last point nothing is left to bend.
    const later = (askedAtS: number, futureS: number): number => {
      const a = buildFutureAnswer(c, ctx(askedAtS), futureS);
      return a.projected_time - (askedAtS + futureS) - line(askedAtS + futureS);
    };
    expect(buildFutureAnswer(c, ctx(T0 + 150), 0).projected_time).toBeCloseTo(buildTimeAnswer(c, ctx(T0 + 150)).corrected_time, 6);
    expect(later(T0 + 150, 150)).toBeCloseTo(0.5e-3, 6);
    expect(later(T0 + 1200, 600)).toBeCloseTo(0, 6);
    // The uncertainty is the drift line's with holdover, forecast or not.
    expect(buildFutureAnswer(c, ctx(T0), 600).projected_uncertainty).toBe(
      buildFutureAnswer(measured(), ctx(T0), 600).projected_uncertainty,
    );
  });
});

describe('the future answer during a slew', () => {
  test('serves what is left of the slew then, and never a time before the one served now', () => {
    const c = measured();
    const slewing = (futureS: number): number =>
      buildFutureAnswer(c, ctx(T0, { pendingSlewS: 0.01 }), futureS).projected_time - (T0 + futureS) - (0.05 + 50e-6 * futureS);
    expect(slewing(0)).toBeCloseTo(0.01, 6);
    // Served time runs 5% slow: 10 ms is slewed out in 0.2 s.
    expect(slewing(0.1)).toBeCloseTo(0.005, 6);
    expect(slewing(0.4)).toBeCloseTo(0, 6);
    const now = buildTimeAnswer(c, ctx(T0, { pendingSlewS: 0.01 })).corrected_time;
    expect(buildFutureAnswer(c, ctx(T0, { pendingSlewS: 0.01 }), 0.05).projected_time).toBeGreaterThanOrEqual(now);
  });
});

describe('the served clock', () => {
  /** Installs corrections one after another and answers as the pipeline does. */
  function served() {
    const clock = new ServedClock();
    let current = measured({ offsetS: 0, driftSPerS: 0 });
    return {
      install(next: Correction, atS: number): void {
        clock.install(current, next, atS, next.clockStatus === 'disrupted' ? 'step' : 'slew');
        current = next;
      },
      answer(atS: number) {
        const a = buildTimeAnswer(current, ctx(atS, { pendingSlewS: clock.pendingSlewS(atS), notBeforeS: clock.notBeforeS }));
        clock.served(a.corrected_time);
        return a;
      },
    };
  }

  test('a correction that moves time back is not served backwards', () => {
    const s = served();
    s.install(measured({ offsetS: 0.5, driftSPerS: 0 }), T0);
    const first = s.answer(T0).corrected_time;
    s.install(measured({ offsetS: 0.1, driftSPerS: 0 }), T0);
    expect(s.answer(T0 + 0.001).corrected_time).toBeGreaterThanOrEqual(first);
  });

  test('a backward correction is slewed out at the bounded rate; a forward one applies at once', () => {
    const s = served();
    s.install(measured({ offsetS: 0.1, driftSPerS: 0 }), T0);
    s.install(measured({ offsetS: 0.05, driftSPerS: 0 }), T0);
    const atStart = s.answer(T0);
    expect(atStart.offset_correction).toBeCloseTo(0.1, 9);
    expect(atStart.time_uncertainty).toBeGreaterThanOrEqual(0.05);
    // 5% of 0.5 s = 25 ms slewed out
    expect(s.answer(T0 + 0.5).offset_correction).toBeCloseTo(0.075, 6);
    expect(s.answer(T0 + 1.5).offset_correction).toBeCloseTo(0.05, 9);
    s.install(measured({ offsetS: 0.2, driftSPerS: 0 }), T0 + 1.5);
    expect(s.answer(T0 + 1.5).offset_correction).toBeCloseTo(0.2, 9);
  });

  test('a disrupted clock steps instead of slewing', () => {
    const s = served();
    s.install(measured({ offsetS: 0.1, driftSPerS: 0 }), T0);
    s.answer(T0);
    s.install(measured({ offsetS: -5, driftSPerS: 0, clockStatus: 'disrupted' }), T0);
    expect(s.answer(T0).offset_correction).toBeCloseTo(-5, 9);
  });

  test('a host clock step shows as realtime moving against monotonic', () => {
    const clock = new ManualHostClock(T0);
    const before = clock.now();
    clock.advance(1);
    expect(realtimeStepS(before, clock.now())).toBeCloseTo(0, 12);
    clock.stepRealtime(-30);
    expect(realtimeStepS(before, clock.now())).toBeCloseTo(-30, 9);
  });
});
