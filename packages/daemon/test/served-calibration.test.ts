import { SeededRandom, type Measurement } from '@chronotick/tsfm';
import { ServedCalibration } from '../src/engine/served-calibration';

const T0 = 1_800_000_000;
/** The truth: 20 ms and 12 ppm. */
const truth = (tS: number): number => 0.02 + 12e-6 * (tS - T0);

/**
 * A day of the calibration's life: measurements every 64 s (three servers, 100 µs of
 * noise) and, every 60 s, a served answer that is off the truth by N(0, σ_true) while
 * its model claims `modelSigmaS`. The scale it fits should be σ_true / model σ.
 */
function run(trueSigmaS: number, modelSigmaS: number, hours = 24): ServedCalibration {
  const rng = new SeededRandom(5);
  const cal = new ServedCalibration(() => 128);
  const history: Measurement[] = [];
  let nextRoundS = T0;
  for (let tS = T0; tS < T0 + hours * 3600; tS += 60) {
    for (; nextRoundS <= tS; nextRoundS += 64) {
      for (let k = 0; k < 3; k++) {
        history.push({ tS: nextRoundS + k * 0.02, offsetS: truth(nextRoundS) + 100e-6 * rng.normal(), delayS: 0.02, server: `s${k}` });
      }
      cal.score(history);
    }
    cal.note({ tS, offsetS: truth(tS) + trueSigmaS * rng.normal(), modelSigmaS, driftSPerS: 12e-6, driftSigmaSPerS: 0.1e-6, ageS: 30 });
  }
  return cal;
}

describe('the served calibration', () => {
  test('a model that claims twice its real error is scaled down towards the truth', () => {
    const scale = run(50e-6, 100e-6).current().fresh.at95;
    // 0.5 by the record, pulled a little towards the prior of 2 even after a day.
    expect(scale).toBeGreaterThan(0.4);
    expect(scale).toBeLessThan(0.8);
  });

  test('a model that claims a third of its real error is scaled up', () => {
    const scale = run(150e-6, 50e-6).current().fresh.at95;
    expect(scale).toBeGreaterThan(2.2);
    expect(scale).toBeLessThan(3.6);
  });

  test('with a short record the scale stays near its prior (2) rather than swinging with a few errors', () => {
    const early = run(50e-6, 100e-6, 2).current().fresh.at95;
    const late = run(50e-6, 100e-6, 24).current().fresh.at95;
    expect(early).toBeGreaterThan(late);
    expect(Math.abs(Math.log(early / 2))).toBeLessThan(Math.abs(Math.log(late / 2)));
  });

  test('the record says how often the served 95% interval held, over the last hour and day', () => {
    const cal = run(50e-6, 100e-6);
    const r = cal.record(T0 + 24 * 3600);
    expect(r.scored).toBeGreaterThan(1000);
    // Served with the fitted scale, the interval holds about as often as it says.
    expect(r.coverage95Day).toBeGreaterThan(0.9);
    expect(r.coverage95Day).toBeLessThan(1);
    expect(r.coverage95Hour).not.toBeNull();
  });

  test('answers noted before the history was discarded are never scored', () => {
    const cal = new ServedCalibration(() => 128);
    cal.note({ tS: T0, offsetS: 0, modelSigmaS: 1e-4, driftSPerS: 0, driftSigmaSPerS: 1e-7, ageS: 1 });
    cal.dropPending();
    const later: Measurement[] = Array.from({ length: 20 }, (_, i) => ({ tS: T0 + 10 + 64 * i, offsetS: 0, delayS: 0.02, server: 's' }));
    cal.score(later);
    expect(cal.record(T0 + 2000).scored).toBe(0);
  });

  test('a predictor closer than the linear fit most of the last 20 scored minutes is winning; one that stops is out again', () => {
    const rng = new SeededRandom(9);
    const cal = new ServedCalibration(() => 128);
    const history: Measurement[] = [];
    let nextRoundS = T0;
    const winnersAt: { tS: number; winning: boolean }[] = [];
    for (let tS = T0; tS < T0 + 4 * 3600; tS += 60) {
      for (; nextRoundS <= tS; nextRoundS += 64) {
        history.push({ tS: nextRoundS, offsetS: truth(nextRoundS) + 20e-6 * rng.normal(), delayS: 0.02, server: 's' });
        cal.score(history);
      }
      // For two hours the model is far closer to the truth than the line; then it goes wrong.
      const modelErrorS = tS < T0 + 2 * 3600 ? 10e-6 : 400e-6;
      cal.note({
        tS,
        offsetS: truth(tS),
        modelSigmaS: 1e-4,
        driftSPerS: 12e-6,
        driftSigmaSPerS: 0.1e-6,
        ageS: 30,
        predictors: { linear: { meanS: truth(tS) + 200e-6, sigmaS: 1e-4 }, short_term: { meanS: truth(tS) + modelErrorS, sigmaS: 1e-4 } },
      });
      winnersAt.push({ tS, winning: cal.winning().has('short_term') });
    }
    const firstWin = winnersAt.find((w) => w.winning);
    // In within 20 scored minutes of the first score (which waits for 4 rounds after it).
    expect((firstWin?.tS ?? Infinity) - T0).toBeLessThanOrEqual(20 * 60 + 12 * 64);
    // Out again within about 20 scored minutes of going wrong (the reference trails 4 rounds).
    const lastWin = [...winnersAt].reverse().find((w) => w.winning);
    expect((lastWin?.tS ?? 0) - (T0 + 2 * 3600)).toBeLessThanOrEqual(20 * 60 + 10 * 64);
    expect(winnersAt.at(-1)?.winning).toBe(false);
  });
});
