import { requireHistory, type Forecast, type CovariateReading, type SyncForecaster } from '../forecaster';
import { TsfmError } from '../errors';
import { timeOrdered, type Measurement } from '../measurement';
import { fitLinearDriftOf, predictLinearDrift } from './linear';
import { periodicPart } from './periodic';
import { MAD_TO_SIGMA, medianInPlace, sampleSigmasS } from './robust';
import { THERMAL_FLOOR_QUANTILE, fitWindowOf, thermalPart } from './thermal';
import { WindowMemo } from './window-memo';

/** Options of {@link createResidualArForecaster}; every field has a default. */
export interface ResidualArOptions {
  /** Newest samples read at most. Default 384. */
  maxSamples?: number;
  /** Ignore samples older than this before the newest, seconds. Default 6 h. */
  maxAgeS?: number;
  /** The covariate that drives the frequency. Default `temperature_c`. */
  covariate?: string;
  /** Smallest per-sample σ, seconds. Default 1e-6. */
  minSigmaS?: number;
}

/** Below this many samples nothing beyond a line can be learned. */
const MIN_SAMPLES = 6;
/** Rounds further than this many robust σ out are neither state nor evidence. */
const REJECT_SIGMAS = 4;
/** Samples closer than this in time are one round: their residuals share the clock's state. */
const ROUND_S = 1;

/**
 * `residual_ar`: a model of this host's clock, refitted from its own measurements at
 * every forecast (microseconds; no training, nothing to ship), in two stages.
 *
 * 1. When the measurements carry a temperature: over the long window, the offset as a
 *    line plus the integrals of the temperature's deviation and of its square (and a
 *    t² for the frequency's own slow change), by robust weighted least squares
 *    (thermal.ts). A quartz crystal's frequency follows its temperature and the offset
 *    integrates the frequency, so this separates what the temperature did from the
 *    rest; and given what the host reads now, it follows the temperature past the
 *    newest measurement, through a holdover.
 * 2. What is left goes through the daemon's own linear fit (delay-weighted, its window
 *    sized by the runs test: 64 samples at most without a temperature, the whole long
 *    window with one), and the fit's residuals are taken as an AR(1) process in
 *    time: the newest round's residual decays over their measured correlation time.
 *
 * Between the two, a swing that repeats on its own period (an air conditioner's cycle)
 * is fitted as a sinusoid and carried forward, but only where it forecasts held-out
 * samples far better than a line (periodic.ts).
 *
 * Without a temperature or a cycle it is the linear fit plus that AR term. σ per point is the
 * line's (offset, drift, scatter), the temperature coefficients' uncertainty over the
 * horizon, and what holding the newest temperature reading over the horizon may cost.
 */
export function createResidualArForecaster(options: ResidualArOptions = {}): SyncForecaster {
  const maxSamples = options.maxSamples ?? 384;
  const maxAgeS = options.maxAgeS ?? 6 * 3600;
  const covariate = options.covariate ?? 'temperature_c';
  const minSigmaS = options.minSigmaS ?? 1e-6;
  if (!(maxSamples >= MIN_SAMPLES) || !(maxAgeS > 0) || !(minSigmaS > 0)) {
    throw new TsfmError('TSFM_BAD_OPTIONS', `residual_ar: maxSamples ≥ ${MIN_SAMPLES}, maxAgeS > 0 and minSigmaS > 0 are required`);
  }
  // The fit of the window last asked about: runs between two NTP rounds ask about new
  // instants from the same measurements, and only the evaluation depends on the instants.
  const memo = new WindowMemo<FittedClock>(covariate);
  return {
    name: 'residual_ar',
    mode: 'sync',
    historySamples: maxSamples,
    forecast(history, targetTimesS, readings): Forecast {
      requireHistory('residual_ar', history);
      const sorted = timeOrdered(history);
      const newestS = (sorted[sorted.length - 1] as Measurement).tS;
      const window = fitWindowOf(sorted, newestS, maxSamples, maxAgeS, covariate);
      const fitted = memo.get(window, () => fitWindow(window, newestS, covariate, minSigmaS));
      return {
        model: 'residual_ar',
        points: targetTimesS.map((tS) => ({ tS, ...fitted.at(tS, readings) })),
        drift: fitted.drift(readings),
      };
    },
  };
}

/**
 * What a window's fit forecasts: the offset and its σ at a host instant, and the drift
 * now, given what the host read since the newest measurement (a temperature keeps coming when servers fall silent).
 */
interface FittedClock {
  at: (tS: number, readings?: readonly CovariateReading[]) => { meanS: number; sigmaS: number };
  drift: (readings?: readonly CovariateReading[]) => { rateSPerS: number; sigmaSPerS: number };
}

function fitWindow(window: readonly Measurement[], newestS: number, covariate: string, minSigmaS: number): FittedClock {
  const thermal = thermalPart(window, newestS, covariate, minSigmaS);
  // With a temperature the whole window is one model, and its quiet exchanges carry it.
  const floorQuantile = thermal === null ? MEDIAN : THERMAL_FLOOR_QUANTILE;
  // Each sample's σ follows from its delay alone, so one set serves every stage below.
  const n = window.length;
  const sigmas = sampleSigmasS(window, minSigmaS, floorQuantile);
  const ts = new Float64Array(n);
  const weights = new Float64Array(n);
  const lessThermal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = window[i] as Measurement;
    const s = sigmas[i] as number;
    ts[i] = m.tS - newestS;
    weights[i] = 1 / (s * s);
    lessThermal[i] = thermal === null ? m.offsetS : m.offsetS - (thermal.pastS[i] ?? 0);
  }
  // A swing that repeats (where no temperature explained it), kept only if it forecasts.
  const periodic = periodicPart(ts, lessThermal, weights);
  // The clock less what the temperature and the cycle explain: what is left wanders
  // slowly, and the daemon's own linear fit (its window sized by the runs test) follows
  // it best. Less the temperature and the frequency's slow change, the whole window
  // is one line until the runs test finds otherwise: 64 samples would refit the
  // offset from a sixth of the exchanges, and the noise of that was most of the error.
  const adjusted = periodic === null ? lessThermal : lessThermal.map((y, i) => y - (periodic.pastS[i] ?? 0));
  const local = fitLinearDriftOf(window, adjusted, {
    maxSamples: thermal === null ? LOCAL_WINDOW : n,
    sigmaFloorQuantile: floorQuantile,
  });
  const from = n - (local.used + local.rejected);
  const residuals = new Float64Array(n - from);
  for (let i = from; i < n; i++)
    residuals[i - from] = (adjusted[i] as number) - local.offsetS - local.driftSPerS * ((window[i] as Measurement).tS - local.refTimeS);
  // The fit's own window weighs its samples by its own quietest exchanges, as the fit did.
  const localWeights = Float64Array.from(sampleSigmasS(window.slice(from), minSigmaS, floorQuantile), (s) => 1 / (s * s));
  const ar = residualMemory(ts.subarray(from), residuals, localWeights);
  const at = (tS: number, readings?: readonly CovariateReading[]): { meanS: number; sigmaS: number } => {
    const dtS = tS - newestS;
    const line = predictLinearDrift(local, tS);
    const decay = ar.tauS > 0 ? Math.exp(-Math.max(dtS, 0) / ar.tauS) : 0;
    const th = thermal?.at(dtS, readings) ?? { meanS: 0, varS2: 0 };
    const cycle = periodic?.at(dtS) ?? { meanS: 0, varS2: 0 };
    const meanS = line.meanS + th.meanS + cycle.meanS + ar.lastS * decay;
    // The line's own σ (offset, drift and scatter), not reduced by the AR term: the
    // residuals' correlation is measured on few rounds and a wander's turn is not in it.
    const sigmaS = Math.sqrt(Math.max(line.sigmaS ** 2, minSigmaS ** 2) + th.varS2 + cycle.varS2);
    return { meanS, sigmaS };
  };
  const drift = (readings?: readonly CovariateReading[]): { rateSPerS: number; sigmaSPerS: number } => {
    const th = thermal?.rate(readings) ?? { rateSPerS: 0, rateSigmaSPerS: 0 };
    return {
      rateSPerS: local.driftSPerS + th.rateSPerS + (periodic?.rateSPerS ?? 0),
      sigmaSPerS: Math.hypot(local.driftSigmaSPerS, th.rateSigmaSPerS, periodic?.rateSigmaSPerS ?? 0),
    };
  };
  return { at, drift };
}

/** The linear fit's window: the daemon's (64), so without a temperature this is the linear fit plus AR. */
const LOCAL_WINDOW = 64;
/** sampleSigmasS's default floor: the median excess delay, half the exchanges alike. */
const MEDIAN = 0.5;
/**
 * The residuals as an AR(1) process in time: their lag-one correlation between
 * successive rounds gives a correlation time; the newest round's mean residual is the
 * state that decays. No memory (τ = 0) when successive rounds do not correlate.
 *
 * A round's mean residual is the state plus that round's measurement noise, so the
 * newest one is shrunk towards zero by how much of it the state explains (its
 * variance against the round's noise), and a round far off the others (a delay spike
 * the line rejected) is neither state nor evidence: one such reply carried forward
 * would be served as a millisecond swing for minutes.
 */
function residualMemory(ts: Float64Array, residuals: Float64Array, w: Float64Array): { tauS: number; lastS: number } {
  // One value per round: the weighted mean residual of the samples taken together, and its noise variance.
  const roundR = new Float64Array(ts.length);
  const roundT = new Float64Array(ts.length);
  const roundNoise = new Float64Array(ts.length);
  let count = 0;
  let sumW = 0;
  let sumR = 0;
  let startS = ts[0] ?? 0;
  const flush = (): void => {
    if (sumW > 0) {
      roundT[count] = startS;
      roundR[count] = sumR / sumW;
      roundNoise[count] = 1 / sumW;
      count++;
    }
    sumW = 0;
    sumR = 0;
  };
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] as number;
    if (t - startS > ROUND_S) {
      flush();
      startS = t;
    }
    const wi = w[i] as number;
    sumW += wi;
    sumR += wi * (residuals[i] as number);
  }
  flush();
  if (count === 0) return { tauS: 0, lastS: 0 };
  // The median round and the robust σ about it (as madSigma): rounds beyond REJECT_SIGMAS of it are left out.
  const scratch = roundR.slice(0, count);
  const centre = medianInPlace(scratch, count);
  for (let k = 0; k < count; k++) scratch[k] = Math.abs((roundR[k] as number) - centre);
  const limit = REJECT_SIGMAS * (MAD_TO_SIGMA * medianInPlace(scratch, count));
  const newest = count - 1;
  if (Math.abs((roundR[newest] as number) - centre) > limit) return { tauS: 0, lastS: 0 };
  let rounds = 0;
  let num = 0;
  let den = 0;
  let gap = 0;
  let totalS2 = 0;
  let noiseS2 = 0;
  let previous = -1;
  for (let k = 0; k < count; k++) {
    const r = roundR[k] as number;
    if (Math.abs(r - centre) > limit) continue;
    if (previous >= 0) {
      const p = roundR[previous] as number;
      num += p * r;
      den += p * p;
      gap += (roundT[k] as number) - (roundT[previous] as number);
    }
    totalS2 += r * r;
    noiseS2 += roundNoise[k] as number;
    previous = k;
    rounds++;
  }
  if (rounds < MIN_SAMPLES) return { tauS: 0, lastS: 0 };
  const rho = den > 0 ? num / den : 0;
  if (!(rho > 0.05 && rho < 0.999)) return { tauS: 0, lastS: 0 };
  const meanGapS = gap / (rounds - 1);
  const stateS2 = Math.max(totalS2 / rounds - noiseS2 / rounds, 0);
  const newestR = roundR[newest] as number;
  const gain = stateS2 > 0 ? stateS2 / (stateS2 + (roundNoise[newest] as number)) : 0;
  return { tauS: -meanGapS / Math.log(rho), lastS: gain * newestR };
}
