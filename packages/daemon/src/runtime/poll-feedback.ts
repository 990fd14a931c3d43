import type { NtpSample, PollFeedback } from '@chronotick/ntp';
import { fitLinearDrift, madSigma, predictLinearDrift, type LinearDriftFit, type Measurement } from '@chronotick/tsfm';
import { SQRT3 } from '../engine/clock-discipline';

/** Samples kept per server: chronyd's sourcestats keeps at most 64 too. */
const SERVER_WINDOW = 64;
/** Below this a fit predicts nothing worth judging a sample by. */
const MIN_FIT_SAMPLES = 3;

/** No path is trusted to scatter offsets less than this, seconds (timestamping, scheduling). */
const MIN_NOISE_S = 2e-6;

/**
 * The offset scatter the path explains: queueing delays a sample by q_f + q_r over the
 * quickest round trip and shifts its offset by (q_f − q_r)/2, whose spread is about
 * 0.42 × the median excess delay for exponential queueing on both legs.
 */
function pathNoiseS(history: readonly Measurement[]): number {
  const delays = history.flatMap((m) => (m.delayS === null ? [] : [m.delayS]));
  if (delays.length < 2) return MIN_NOISE_S;
  const minDelayS = Math.min(...delays);
  const excess = delays.map((d) => d - minDelayS).sort((a, b) => a - b);
  const medianS = excess[Math.floor(excess.length / 2)] ?? 0;
  return Math.max(0.42 * medianS, MIN_NOISE_S);
}

/** MAD-based sigma of the window's residuals about the fit: spikes do not inflate it. */
function scatterAboutS(fit: LinearDriftFit, window: readonly Measurement[]): number {
  if (window.length < MIN_FIT_SAMPLES) return 0;
  const residuals = window.map((m) => m.offsetS - fit.offsetS - fit.driftSPerS * (m.tS - fit.refTimeS));
  return madSigma(residuals);
}

/**
 * What the adaptive poll reads, per server, as chronyd's sourcestats give it: the
 * daemon's own linear fit (delay-weighted, outliers rejected, the window shrunk by the
 * runs test while the residuals are not noise) over that server's recent samples. How
 * many samples the window keeps says whether the clock holds to a line over the span
 * (poll longer) or wanders within it (poll shorter); how far a new sample lands from
 * the previous fit says whether it is tracked at all.
 */
export class PollFeedbackEstimator {
  private readonly histories = new Map<string, Measurement[]>();

  feedback(sample: NtpSample): PollFeedback {
    const history = this.histories.get(sample.server) ?? [];
    let predictionErrorS: number | null = null;
    if (history.length >= MIN_FIT_SAMPLES) {
      const before = fitLinearDrift(history, { maxSamples: SERVER_WINDOW });
      predictionErrorS = sample.offsetS - predictLinearDrift(before, sample.tS, { includeMeasurementNoise: false }).meanS;
    }
    history.push({ tS: sample.tS, offsetS: sample.offsetS, delayS: sample.delayS, uncertaintyS: sample.uncertaintyS / SQRT3 });
    if (history.length > SERVER_WINDOW) history.splice(0, history.length - SERVER_WINDOW);
    this.histories.set(sample.server, history);
    const after = fitLinearDrift(history, { maxSamples: SERVER_WINDOW });
    const window = history.slice(-(after.used + after.rejected));
    return {
      windowSamples: window.length,
      predictionErrorS,
      distanceS: sample.uncertaintyS,
      scatterS: scatterAboutS(after, window),
      noiseS: pathNoiseS(window),
    };
  }
}
