import { requireHistory, type Forecast, type SyncForecaster } from '../forecaster';
import { TsfmError } from '../errors';
import { timeOrdered, type Measurement } from '../measurement';
import { quadraticForm, weightedLeastSquares } from './least-squares';
import { fitLinearDrift, predictLinearDrift } from './linear';
import { periodicPart } from './periodic';
import { madSigma, median, sampleSigmasS } from './robust';
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
/** The covariate is used only when this share of the window carries it. */
const MIN_COVARIATE_SHARE = 0.8;
/** Residuals further than this many robust σ out are dropped from the refit. */
const REJECT_SIGMAS = 4;
/** Samples closer than this in time are one round: their residuals share the clock's state. */
const ROUND_S = 1;

interface Design {
  /** Per sample: 1, t, and with a covariate its integrals and t² (the frequency's slow change). */
  rows: number[][];
  /** The same columns for a future time: extrapolates the integrals at the newest covariate value. */
  at: (dtS: number) => number[];
  /** d(columns)/dt now, for the drift. */
  slope: number[];
  /** Spread of the covariate about its mean (0 without one), for the persistence error. */
  covariateSd: number;
}

/**
 * `residual_ar`: a model of this host's clock, refitted from its own measurements at
 * every forecast (microseconds; no training, nothing to ship), in two stages.
 *
 * 1. When the measurements carry a temperature: over the long window, the offset as a
 *    line plus the integrals of the temperature's deviation and of its square (and a
 *    t² for the frequency's own slow change), by robust weighted least squares. A
 *    quartz crystal's frequency follows its temperature (linearly near the turnover,
 *    with a parabola about it) and the offset integrates the frequency, so this
 *    separates what the temperature did from the rest.
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
 * horizon, and what holding the newest temperature over the horizon may cost.
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
    forecast(history, targetTimesS): Forecast {
      requireHistory('residual_ar', history);
      const sorted = timeOrdered(history);
      const newestS = (sorted[sorted.length - 1] as Measurement).tS;
      const window = windowOf(sorted, newestS, maxSamples, maxAgeS, covariate);
      const fitted = memo.get(window, () => fitWindow(window, newestS, covariate, minSigmaS));
      return {
        model: 'residual_ar',
        points: targetTimesS.map((tS) => ({ tS, ...fitted.at(tS) })),
        drift: { ...fitted.drift },
      };
    },
  };
}

/**
 * With a temperature, the window spans at least this long: its coefficient is told
 * from the line only as far as the temperature moved inside the window, and 384 samples
 * of a 16 s poll (three servers) are 34 minutes, a quarter of a two-hour swing.
 * temperature_wander polled every 16 s: served p95 108/113/111 µs on seeds 1-3
 * (0.51-0.54× the fit alone), 154/161/151 with 384 samples.
 */
const MIN_THERMAL_SPAN_S = 2 * 3600;

/**
 * The window a fit reads: the newest `maxSamples` within `maxAgeS`. With a temperature,
 * at least {@link MIN_THERMAL_SPAN_S} (within `maxAgeS`), thinned to `maxSamples` by
 * keeping the quietest exchange of each equal slice of time, as a clock filter keeps
 * the least-delayed of its samples: the quiet ones carry the fit anyway.
 */
function windowOf(sorted: readonly Measurement[], newestS: number, maxSamples: number, maxAgeS: number, covariate: string): Measurement[] {
  const byCount = sorted.slice(-maxSamples).filter((m) => m.tS >= newestS - maxAgeS);
  const newest = sorted[sorted.length - 1] as Measurement;
  if (typeof newest.covariates?.[covariate] !== 'number') return byCount;
  const fromS = Math.max(newestS - maxAgeS, Math.min((byCount[0] as Measurement).tS, newestS - MIN_THERMAL_SPAN_S));
  let start = sorted.length - 1;
  while (start > 0 && (sorted[start - 1] as Measurement).tS >= fromS) start--;
  const span = sorted.slice(start);
  return span.length <= maxSamples ? span : quietestPerSlice(span, maxSamples);
}

/** The quietest exchange (least delay, or least stated uncertainty) of each of `slices` equal slices of the samples' time. */
function quietestPerSlice(ms: readonly Measurement[], slices: number): Measurement[] {
  const t0 = (ms[0] as Measurement).tS;
  const widthS = ((ms[ms.length - 1] as Measurement).tS - t0) / slices;
  const noise = (m: Measurement): number => m.uncertaintyS ?? m.delayS ?? Infinity;
  const out: Measurement[] = [];
  let best: Measurement | null = null;
  let slice = 0;
  for (const m of ms) {
    const k = widthS > 0 ? Math.min(slices - 1, Math.floor((m.tS - t0) / widthS)) : 0;
    if (k !== slice && best !== null) {
      out.push(best);
      best = null;
    }
    slice = k;
    if (best === null || noise(m) < noise(best)) best = m;
  }
  if (best !== null) out.push(best);
  return out;
}

/** What a window's fit forecasts: the offset and its σ at a host instant, and the drift now. */
interface FittedClock {
  at: (tS: number) => { meanS: number; sigmaS: number };
  drift: { rateSPerS: number; sigmaSPerS: number };
}

function fitWindow(window: readonly Measurement[], newestS: number, covariate: string, minSigmaS: number): FittedClock {
  const thermal = thermalPart(window, newestS, covariate, minSigmaS);
  // With a temperature the whole window is one model, and its quiet exchanges carry it.
  const floorQuantile = thermal === null ? MEDIAN : THERMAL_FLOOR_QUANTILE;
  const sigmasOf = (ms: readonly Measurement[]): number[] => sampleSigmasS(ms, minSigmaS, floorQuantile);
  const lessThermal = thermal === null ? window : window.map((m, i) => ({ ...m, offsetS: m.offsetS - (thermal.pastS[i] ?? 0) }));
  // A swing that repeats (where no temperature explained it), kept only if it forecasts.
  const periodic = periodicPart(
    lessThermal.map((m) => m.tS - newestS),
    lessThermal.map((m) => m.offsetS),
    sigmasOf(lessThermal).map((s) => 1 / (s * s)),
  );
  // The clock less what the temperature and the cycle explain: what is left wanders
  // slowly, and the daemon's own linear fit (its window sized by the runs test) follows
  // it best. Less the temperature and the frequency's slow change, the whole window
  // is one line until the runs test finds otherwise: 64 samples would refit the
  // offset from a sixth of the exchanges, and the noise of that was most of the error.
  const adjusted = periodic === null ? lessThermal : lessThermal.map((m, i) => ({ ...m, offsetS: m.offsetS - (periodic.pastS[i] ?? 0) }));
  const local = fitLinearDrift(adjusted, {
    maxSamples: thermal === null ? LOCAL_WINDOW : adjusted.length,
    sigmaFloorQuantile: floorQuantile,
  });
  const localWindow = adjusted.slice(-(local.used + local.rejected));
  const ar = residualMemory(
    localWindow.map((m) => m.tS - newestS),
    localWindow.map((m) => m.offsetS - local.offsetS - local.driftSPerS * (m.tS - local.refTimeS)),
    sigmasOf(localWindow).map((s) => 1 / (s * s)),
  );
  const at = (tS: number): { meanS: number; sigmaS: number } => {
    const dtS = tS - newestS;
    const line = predictLinearDrift(local, tS);
    const decay = ar.tauS > 0 ? Math.exp(-Math.max(dtS, 0) / ar.tauS) : 0;
    const th = thermal?.at(dtS) ?? { meanS: 0, varS2: 0 };
    const cycle = periodic?.at(dtS) ?? { meanS: 0, varS2: 0 };
    const meanS = line.meanS + th.meanS + cycle.meanS + ar.lastS * decay;
    // The line's own σ (offset, drift and scatter), not reduced by the AR term: the
    // residuals' correlation is measured on few rounds and a wander's turn is not in it.
    const sigmaS = Math.sqrt(Math.max(line.sigmaS ** 2, minSigmaS ** 2) + th.varS2 + cycle.varS2);
    return { meanS, sigmaS };
  };
  const rate = local.driftSPerS + (thermal?.rateSPerS ?? 0) + (periodic?.rateSPerS ?? 0);
  const rateSigma = Math.hypot(local.driftSigmaSPerS, thermal?.rateSigmaSPerS ?? 0, periodic?.rateSigmaSPerS ?? 0);
  return { at, drift: { rateSPerS: rate, sigmaSPerS: rateSigma } };
}

/** The linear fit's window: the daemon's (64), so without a temperature this is the linear fit plus AR. */
const LOCAL_WINDOW = 64;
/** sampleSigmasS's default floor: the median excess delay, half the exchanges alike. */
const MEDIAN = 0.5;
/**
 * With a temperature, the floor of every sample's σ is the excess delay of the quietest
 * tenth of the window (38 of 384 exchanges), not the median: an exchange's error scales
 * with its excess delay (temperature_wander: |error| p50 66 µs below 0.5 ms of excess,
 * 368 µs at 1–2 ms), and a fit over the long window has enough quiet ones that no
 * single lucky packet rules it. Offline on seeds 1–3: one-round-ahead p95 95/288/139 µs
 * against 149/335/183 with the median floor.
 */
const THERMAL_FLOOR_QUANTILE = 0.1;

interface ThermalPart {
  /** What the temperature contributed to each sample's offset, seconds (relative to the newest sample). */
  pastS: number[];
  /** Its contribution dtS after the newest sample, with the variance of that estimate. */
  at: (dtS: number) => { meanS: number; varS2: number };
  rateSPerS: number;
  rateSigmaSPerS: number;
}

/**
 * The temperature's share of the offset over the long window: a line plus the integrals
 * of the temperature's deviation and its square, fitted together (the line takes the
 * steady drift so the integrals do not), robust to spikes. Null without a temperature.
 *
 * A t² column takes the frequency's slow change over the window (a random walk's
 * wander is a trend over a few hours), which the integrals would otherwise absorb. It
 * is taken out of the past with the temperature's share, zero and flat at the newest
 * sample, so the line fitted next finds the frequency now; ahead it adds nothing: a
 * wandering frequency is best forecast as it is now. Without it, temperature_wander
 * seed 2 (the most wander) at a 64 s poll forecast p95 288 µs, with it 141.
 */
function thermalPart(window: readonly Measurement[], newestS: number, covariate: string, minSigmaS: number): ThermalPart | null {
  const ts = window.map((m) => m.tS - newestS);
  const ys = window.map((m) => m.offsetS);
  const spanS = Math.max((ts[ts.length - 1] ?? 0) - (ts[0] ?? 0), 1);
  const design = buildDesign(window, ts, spanS, covariate);
  if (design.covariateSd === 0) return null;
  let w = sampleSigmasS(window, minSigmaS, THERMAL_FLOOR_QUANTILE).map((s) => 1 / (s * s));
  let fit = weightedLeastSquares(design.rows, ys, w);
  let residuals = residualsOf(design.rows, ys, fit.coef);
  // One round of rejection against a robust scale: spikes must not bend the fit.
  const centre = median(residuals);
  const limit = REJECT_SIGMAS * Math.max(madSigma(residuals), minSigmaS);
  w = w.map((wi, i) => (Math.abs((residuals[i] ?? 0) - centre) > limit ? 0 : wi));
  fit = weightedLeastSquares(design.rows, ys, w);
  residuals = residualsOf(design.rows, ys, fit.coef);
  const kept = w.filter((wi) => wi > 0).length;
  const phi2 = residuals.reduce((acc, r, i) => acc + (w[i] ?? 0) * r * r, 0) / Math.max(kept - fit.coef.length, 1);
  const k = [fit.coef[2] ?? 0, fit.coef[3] ?? 0];
  const cov = [
    [fit.cov[2]?.[2] ?? 0, fit.cov[2]?.[3] ?? 0],
    [fit.cov[3]?.[2] ?? 0, fit.cov[3]?.[3] ?? 0],
  ];
  const last = design.rows[design.rows.length - 1] ?? [];
  const lastThermal = [last[2] ?? 0, last[3] ?? 0];
  const thermalOf = (x: readonly number[]): number => (k[0] ?? 0) * (x[0] ?? 0) + (k[1] ?? 0) * (x[1] ?? 0);
  const curv = fit.coef[4] ?? 0;
  const pastS = design.rows.map(
    (row) => thermalOf([(row[2] ?? 0) - (lastThermal[0] ?? 0), (row[3] ?? 0) - (lastThermal[1] ?? 0)]) + curv * (row[4] ?? 0),
  );
  const slope = [design.slope[2] ?? 0, design.slope[3] ?? 0];
  return {
    pastS,
    at: (dtS) => {
      const x = design.at(dtS);
      const inc = [(x[2] ?? 0) - (lastThermal[0] ?? 0), (x[3] ?? 0) - (lastThermal[1] ?? 0)];
      // The temperature held at its newest value: its own motion over the horizon is unknown.
      const persistenceS = Math.abs(k[0] ?? 0) * Math.min(Math.max(dtS, 0) / spanS, 1);
      return { meanS: thermalOf(inc), varS2: quadraticForm(cov, inc) * phi2 + persistenceS ** 2 };
    },
    rateSPerS: thermalOf(slope),
    rateSigmaSPerS: Math.sqrt(Math.max(quadraticForm(cov, slope) * phi2, 0)),
  };
}

/**
 * Columns scaled to order one over the window (time by its span, the integrals by span
 * and the covariate's spread), so the ridge treats them alike.
 */
function buildDesign(window: readonly Measurement[], ts: readonly number[], spanS: number, covariate: string): Design {
  const values = window.map((m) => m.covariates?.[covariate]);
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const line: Design = {
    rows: ts.map((t) => [1, t / spanS]),
    at: (dtS) => [1, dtS / spanS],
    slope: [0, 1 / spanS],
    covariateSd: 0,
  };
  if (present.length < Math.max(MIN_SAMPLES, MIN_COVARIATE_SHARE * window.length)) return line;
  // Carry the last reading over a sample that lacks one.
  let last = present[0] as number;
  const temps = values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? (last = v) : last));
  const meanT = temps.reduce((a, b) => a + b, 0) / temps.length;
  const sdT = Math.sqrt(temps.reduce((a, v) => a + (v - meanT) ** 2, 0) / temps.length);
  if (!(sdT > 1e-6)) return line;
  // ∫(T − T̄)dt and ∫((T − T̄)² − var)dt by the trapezoid rule, in units of span·sd.
  const i1: number[] = [0];
  const i2: number[] = [0];
  const dev = temps.map((v) => (v - meanT) / sdT);
  for (let i = 1; i < ts.length; i++) {
    const dt = ((ts[i] ?? 0) - (ts[i - 1] ?? 0)) / spanS;
    const a = dev[i - 1] ?? 0;
    const b = dev[i] ?? 0;
    i1.push((i1[i - 1] ?? 0) + ((a + b) / 2) * dt);
    i2.push((i2[i - 1] ?? 0) + ((a * a - 1 + (b * b - 1)) / 2) * dt);
  }
  const n = ts.length - 1;
  const lastDev = dev[n] ?? 0;
  const lastI1 = i1[n] ?? 0;
  const lastI2 = i2[n] ?? 0;
  return {
    rows: ts.map((t, i) => [1, t / spanS, i1[i] ?? 0, i2[i] ?? 0, (t / spanS) ** 2]),
    at: (dtS) => {
      const d = Math.max(dtS, 0) / spanS;
      return [1, dtS / spanS, lastI1 + lastDev * d, lastI2 + (lastDev * lastDev - 1) * d];
    },
    slope: [0, 1 / spanS, lastDev / spanS, (lastDev * lastDev - 1) / spanS],
    covariateSd: 1,
  };
}

function residualsOf(rows: readonly (readonly number[])[], ys: readonly number[], coef: readonly number[]): number[] {
  return rows.map((row, i) => (ys[i] ?? 0) - row.reduce((acc, v, j) => acc + v * (coef[j] ?? 0), 0));
}

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
function residualMemory(ts: readonly number[], residuals: readonly number[], w: readonly number[]): { tauS: number; lastS: number } {
  // One value per round: the weighted mean residual of the samples taken together, and its noise variance.
  const all: { tS: number; r: number; noiseS2: number }[] = [];
  let sumW = 0;
  let sumR = 0;
  let startS = ts[0] ?? 0;
  const flush = (): void => {
    if (sumW > 0) all.push({ tS: startS, r: sumR / sumW, noiseS2: 1 / sumW });
    sumW = 0;
    sumR = 0;
  };
  ts.forEach((t, i) => {
    if (t - startS > ROUND_S) {
      flush();
      startS = t;
    }
    const wi = w[i] ?? 0;
    sumW += wi;
    sumR += wi * (residuals[i] ?? 0);
  });
  flush();
  const centre = median(all.map((x) => x.r));
  const limit = REJECT_SIGMAS * madSigma(all.map((x) => x.r));
  const rounds = all.filter((x) => !(Math.abs(x.r - centre) > limit));
  const newest = all[all.length - 1];
  if (rounds.length < MIN_SAMPLES || newest === undefined || rounds[rounds.length - 1] !== newest) return { tauS: 0, lastS: 0 };
  let num = 0;
  let den = 0;
  let gap = 0;
  for (let i = 1; i < rounds.length; i++) {
    const a = rounds[i - 1] as (typeof rounds)[number];
    const b = rounds[i] as (typeof rounds)[number];
    num += a.r * b.r;
    den += a.r * a.r;
    gap += b.tS - a.tS;
  }
  const rho = den > 0 ? num / den : 0;
  if (!(rho > 0.05 && rho < 0.999)) return { tauS: 0, lastS: 0 };
  const meanGapS = gap / (rounds.length - 1);
  const totalS2 = rounds.reduce((acc, x) => acc + x.r * x.r, 0) / rounds.length;
  const noiseS2 = rounds.reduce((acc, x) => acc + x.noiseS2, 0) / rounds.length;
  const stateS2 = Math.max(totalS2 - noiseS2, 0);
  const gain = stateS2 > 0 ? stateS2 / (stateS2 + newest.noiseS2) : 0;
  return { tauS: -meanGapS / Math.log(rho), lastS: gain * newest.r };
}
