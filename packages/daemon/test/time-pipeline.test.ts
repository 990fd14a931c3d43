import { DEFAULT_CONFIG, type Config } from '@chronotick/config';
import type { LeapIndicator } from '@chronotick/ntp';
import type { RoundSample } from '../src/engine/clock-discipline';
import { TimePipeline } from '../src/engine/time-pipeline';
import { silentLogger } from '../src/log';

const T0 = 1_800_000_000;
const config: Config = DEFAULT_CONFIG;
/** The clock: 20 ms behind and 30 ppm slow. */
const trueOffsetS = (tS: number): number => 0.02 + 30e-6 * (tS - T0);

function sample(tS: number, server = 'a:123', errorS = 0, leap: LeapIndicator = 0): RoundSample {
  const boundS = 200e-6;
  return { tS, offsetS: trueOffsetS(tS) + errorS, delayS: 0.0004, boundS, uncertaintyS: boundS / Math.sqrt(3), server, leap };
}

/** Feeds one round every `everyS` from `fromS`, `count` times; returns the time after. */
function rounds(p: TimePipeline, fromS: number, count: number, everyS: number, warmingUp = false): number {
  let tS = fromS;
  for (let k = 0; k < count; k++, tS += everyS)
    p.onRound({ samples: [sample(tS), sample(tS, 'b:123'), sample(tS, 'c:123')], warmingUp }, tS);
  return tS;
}

describe('the time pipeline, event by event', () => {
  test('before any measurement it serves the host clock and says it knows nothing', () => {
    const p = new TimePipeline(config, T0, silentLogger);
    const a = p.timeAnswer(T0);
    expect(a).toMatchObject({ offset_correction: 0, source: 'system', clock_status: 'unknown', daemon_status: 'unsynchronized' });
  });

  test('rounds in warm-up, then after it: the served offset follows the clock', () => {
    const p = new TimePipeline(config, T0, silentLogger);
    let tS = rounds(p, T0, 20, 1, true);
    expect(p.timeAnswer(tS).clock_status).toBe('warming_up');
    expect(p.daemonStatus).toBe('warming_up');
    tS = rounds(p, tS, 5, 64);
    const a = p.timeAnswer(tS);
    expect(a.clock_status).toBe('synchronized');
    expect(a.daemon_status).toBe('ready');
    expect(Math.abs(a.offset_correction - trueOffsetS(tS))).toBeLessThan(100e-6);
    expect(Math.abs(a.drift_rate - 30e-6)).toBeLessThan(1e-6);
    expect(p.totalCorrections).toBe(25);
  });

  test('a falseticker takes no part: its samples never become measurements', () => {
    const p = new TimePipeline(config, T0, silentLogger);
    const out = p.onRound({ samples: [sample(T0), sample(T0, 'b:123'), sample(T0, 'liar:123', 0.1)], warmingUp: false }, T0);
    expect(out.measurements.map((m) => m.server).sort()).toEqual(['a:123', 'b:123']);
    expect(p.serverShares['liar:123']).toBe(0);
  });

  test('ticks without measurements go free running, served as holdover; a round synchronizes again', () => {
    const p = new TimePipeline(config, T0, silentLogger);
    let tS = rounds(p, T0, 10, 64);
    const staleAfterS =
      3 * config.clock_measurement.timing.normal_operation.measurement_interval + config.clock_measurement.ntp.timeout_seconds;
    p.onTick(tS + staleAfterS + 1, false);
    const coasting = p.timeAnswer(tS + staleAfterS + 1);
    expect(coasting).toMatchObject({ clock_status: 'free_running', source: 'holdover', daemon_status: 'degraded' });
    tS = rounds(p, tS + staleAfterS + 2, 1, 64);
    expect(p.current.clockStatus).toBe('synchronized');
  });

  test('a host clock step discards the history, serves the host clock as disrupted, and asks for a new warm-up', () => {
    const p = new TimePipeline(config, T0, silentLogger);
    const tS = rounds(p, T0, 10, 64);
    const generation = p.modelInput().generation;
    expect(p.onHostClockStep(0.5, tS)).toEqual({ restartWarmUp: true });
    expect(p.timeAnswer(tS)).toMatchObject({ clock_status: 'disrupted', source: 'system', daemon_status: 'warming_up' });
    expect(p.discipline.measurements).toHaveLength(0);
    expect(p.modelInput().generation).toBe(generation + 1);
  });

  test('a forecast made from a discarded history is dropped', () => {
    const p = new TimePipeline(config, T0, silentLogger);
    const tS = rounds(p, T0, 10, 64);
    const { generation } = p.modelInput();
    p.onHostClockStep(0.5, tS);
    const forecast = { model: 'm', points: [{ tS, meanS: 0, sigmaS: 1e-3 }], drift: null };
    expect(p.onForecast('short_term', forecast, tS, generation, tS)).toBe(false);
    expect(p.onForecast('short_term', forecast, tS, p.modelInput().generation, tS)).toBe(true);
  });

  test('restored measurements are served as free running until a fresh one agrees', () => {
    const donor = new TimePipeline(config, T0, silentLogger);
    const tS = rounds(donor, T0, 30, 64);
    const p = new TimePipeline(config, tS + 30, silentLogger);
    p.restore(donor.discipline.measurements, donor.predictors.calibrator.snapshot(), tS + 30);
    expect(p.timeAnswer(tS + 30)).toMatchObject({ clock_status: 'free_running', daemon_status: 'warming_up' });
    const out = p.onRound({ samples: [sample(tS + 60)], warmingUp: false }, tS + 60);
    expect(out.restartWarmUp).toBe(false);
    expect(p.timeAnswer(tS + 60)).toMatchObject({ clock_status: 'synchronized', daemon_status: 'ready' });
  });

  test('restored measurements that a fresh one refutes are discarded, and warm-up starts again', () => {
    const donor = new TimePipeline(config, T0, silentLogger);
    const tS = rounds(donor, T0, 30, 64);
    const p = new TimePipeline(config, tS + 30, silentLogger);
    p.restore(donor.discipline.measurements, null, tS + 30);
    // The clock moved by 80 ms while the daemon was down.
    const out = p.onRound({ samples: [sample(tS + 60, 'a:123', 0.08)], warmingUp: false }, tS + 60);
    expect(out.restartWarmUp).toBe(true);
    expect(p.discipline.measurements).toHaveLength(1);
    expect(p.timeAnswer(tS + 60)).toMatchObject({ clock_status: 'disrupted', daemon_status: 'warming_up' });
  });

  test('around a leap second it follows the servers that announce it and holds the served time through the repeated second', () => {
    // A UTC midnight an hour after T0 (in the true count the pipeline estimates).
    const leapAtUtcS = Math.ceil((T0 + 0.02) / 86_400) * 86_400;
    const p = new TimePipeline(config, leapAtUtcS - 3600, silentLogger);
    const utcSample = (tS: number, server: string, leap: LeapIndicator): RoundSample => {
      const s = sample(tS, server);
      // After the leap, UTC servers read one second less than the continuous count.
      return { ...s, offsetS: s.offsetS - (tS + s.offsetS >= leapAtUtcS ? 1 : 0), leap };
    };
    let tS = leapAtUtcS - 3600;
    for (; tS < leapAtUtcS - 40; tS += 64) {
      const samples = [
        utcSample(tS, 'utc-a:123', 1),
        utcSample(tS, 'utc-b:123', 1),
        { ...sample(tS, 'smear:123'), offsetS: sample(tS).offsetS - 0.3 },
      ];
      p.onRound({ samples, warmingUp: false }, tS);
    }
    expect(p.leapStatus).toEqual({ leap_at: leapAtUtcS, following: 'announcing', set_aside: ['smear:123'] });
    const before = p.timeAnswer(tS);
    expect(Math.abs(before.offset_correction - trueOffsetS(tS))).toBeLessThan(200e-6);
    // Answered 0.2 s before the leap, then 0.5 s after it by UTC's reckoning: applied on
    // the tick, the history moved into the new count.
    const afterS = leapAtUtcS - trueOffsetS(leapAtUtcS) + 0.5;
    const last = p.timeAnswer(afterS - 0.7);
    p.onTick(afterS, false);
    const held = p.timeAnswer(afterS);
    // The served time stands still (it never goes back) and the interval says by how much.
    expect(held.corrected_time).toBe(last.corrected_time);
    expect(held.offset_uncertainty).toBeGreaterThan(0.25);
    // Two seconds on, the repeated second is over: UTC, one second behind the old count.
    const later = p.timeAnswer(afterS + 2);
    expect(Math.abs(later.offset_correction - (trueOffsetS(afterS + 2) - 1))).toBeLessThan(300e-6);
  });
});
