import type { CovariateReading } from '../forecaster';
import type { Measurement } from '../measurement';
import { quadraticForm, weightedLeastSquares } from './least-squares';
import { madSigma, median, sampleSigmasS } from './robust';

/**
 * residual_ar's first stage: what the host's temperature did to its clock. A quartz
 * crystal's frequency follows its temperature (linearly near the turnover, with a
 * parabola about it) and the offset integrates the frequency.
 */

/** Below this many samples nothing beyond a line can be learned. */
const MIN_SAMPLES = 6;
/** The covariate is used only when this share of the window carries it. */
const MIN_COVARIATE_SHARE = 0.8;
/** Residuals further than this many robust σ out are dropped from the refit. */
const REJECT_SIGMAS = 4;
/**
 * A fit that says the frequency moves more than this per degree is fitting noise, and
 * the temperature is left out of it. Quartz moves well under 1 ppm/°C near its
 * turnover and a few at the ends of its range (the simulator's crystal 0.35, and its
 * fits find 0.25–0.39 once the temperature has moved). In the first minutes the
 * temperature has moved less than its sensor's noise: at a 16 s poll,
 * temperature_wander seed 4, fits of 46–92 samples said −8.6 to −20 ppm/°C and
 * forecast 16 s ahead up to 2.4 s off, where the line alone was 140–500 µs off.
 */
const MAX_PPM_PER_C = 5;

/**
 * With a temperature, the floor of every sample's σ is the excess delay of the quietest
 * tenth of the window (38 of 384 exchanges), not the median: an exchange's error scales
 * with its excess delay (temperature_wander: |error| p50 66 µs below 0.5 ms of excess,
 * 368 µs at 1–2 ms), and a fit over the long window has enough quiet ones that no
 * single lucky packet rules it. Offline on seeds 1–3: one-round-ahead p95 95/288/139 µs
 * against 149/335/183 with the median floor.
 */
export const THERMAL_FLOOR_QUANTILE = 0.1;

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
export function fitWindowOf(
  sorted: readonly Measurement[],
  newestS: number,
  maxSamples: number,
  maxAgeS: number,
  covariate: string,
): Measurement[] {
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

export interface ThermalPart {
  /** What the temperature (and the frequency's slow change) contributed to each sample's offset, seconds, relative to the newest sample. */
  pastS: number[];
  /**
   * Its contribution `dtS` after the newest sample, with the variance of that estimate.
   * The temperature follows the readings taken since the newest sample (servers silent
   * or not), linearly between them, and is held at the last one after it.
   */
  at: (dtS: number, readings?: readonly CovariateReading[]) => { meanS: number; varS2: number };
  /** Its share of the drift now: at the last reading's temperature. */
  rate: (readings?: readonly CovariateReading[]) => { rateSPerS: number; rateSigmaSPerS: number };
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
export function thermalPart(window: readonly Measurement[], newestS: number, covariate: string, minSigmaS: number): ThermalPart | null {
  const ts = window.map((m) => m.tS - newestS);
  const ys = window.map((m) => m.offsetS);
  const spanS = Math.max((ts[ts.length - 1] ?? 0) - (ts[0] ?? 0), 1);
  const design = temperatureDesign(window, ts, spanS, covariate);
  if (design === null) return null;
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
  if (steepestPpmPerC(fit.coef, design, spanS) > MAX_PPM_PER_C) return null;
  const phi2 = residuals.reduce((acc, r, i) => acc + (w[i] ?? 0) * r * r, 0) / Math.max(kept - fit.coef.length, 1);
  const k1 = fit.coef[2] ?? 0;
  const k2 = fit.coef[3] ?? 0;
  const curv = fit.coef[4] ?? 0;
  const cov = [
    [fit.cov[2]?.[2] ?? 0, fit.cov[2]?.[3] ?? 0],
    [fit.cov[3]?.[2] ?? 0, fit.cov[3]?.[3] ?? 0],
  ];
  const last = design.rows[design.rows.length - 1] ?? [];
  const pastS = design.rows.map(
    (row) => k1 * ((row[2] ?? 0) - (last[2] ?? 0)) + k2 * ((row[3] ?? 0) - (last[3] ?? 0)) + curv * (row[4] ?? 0),
  );
  // The readings after the newest sample, in the design's units.
  const pathOf = (readings: readonly CovariateReading[] = []): Deviation[] => {
    const path: Deviation[] = [{ dtS: 0, dev: design.lastDev }];
    for (const r of readings) {
      const c = r.covariates[covariate];
      const dtS = r.tS - newestS;
      if (typeof c === 'number' && Number.isFinite(c) && dtS > (path[path.length - 1] as Deviation).dtS)
        path.push({ dtS, dev: design.devOf(c) });
    }
    return path;
  };
  return {
    pastS,
    at: (dtS, readings) => {
      const path = pathOf(readings);
      const inc = integralsAlong(path, Math.max(dtS, 0), spanS);
      // Beyond the newest reading the temperature's own motion is unknown.
      const heldS = Math.max(dtS - (path[path.length - 1] as Deviation).dtS, 0);
      const persistenceS = Math.abs(k1) * Math.min(heldS / spanS, 1);
      return { meanS: k1 * inc[0] + k2 * inc[1], varS2: quadraticForm(cov, inc) * phi2 + persistenceS ** 2 };
    },
    rate: (readings) => {
      const path = pathOf(readings);
      const dev = (path[path.length - 1] as Deviation).dev;
      const slope = [dev / spanS, (dev * dev - 1) / spanS];
      return {
        rateSPerS: k1 * (slope[0] ?? 0) + k2 * (slope[1] ?? 0),
        rateSigmaSPerS: Math.sqrt(Math.max(quadraticForm(cov, slope) * phi2, 0)),
      };
    },
  };
}

/**
 * The steepest frequency slope the fit claims inside the window's temperature range,
 * ppm/°C: d(rate)/dT of k1·dev + k2·(dev² − 1) at the range's ends.
 */
function steepestPpmPerC(coef: readonly number[], design: TemperatureDesign, spanS: number): number {
  const k1 = coef[2] ?? 0;
  const k2 = coef[3] ?? 0;
  const perC = (dev: number): number => Math.abs(k1 + 2 * k2 * dev) / (spanS * design.sdT) / 1e-6;
  return Math.max(perC(design.minDev), perC(design.maxDev));
}

/** A temperature in the design's units. */
interface Deviation {
  /** Seconds after the newest sample. */
  dtS: number;
  /** (T − T̄)/sd of the window. */
  dev: number;
}

/**
 * ∫dev and ∫(dev² − 1) from the newest sample to `dtS` after it, in units of the span,
 * the deviation linear between the points of `path` (the first at 0) and held after the
 * last: exact for a piecewise-linear temperature.
 */
function integralsAlong(path: readonly Deviation[], dtS: number, spanS: number): [number, number] {
  let i1 = 0;
  let i2 = 0;
  for (let i = 1; i < path.length && (path[i - 1] as Deviation).dtS < dtS; i++) {
    const a = path[i - 1] as Deviation;
    const b = path[i] as Deviation;
    const upTo = Math.min(b.dtS, dtS);
    const end = a.dev + ((b.dev - a.dev) * (upTo - a.dtS)) / (b.dtS - a.dtS);
    const d = (upTo - a.dtS) / spanS;
    i1 += ((a.dev + end) / 2) * d;
    i2 += ((a.dev * a.dev + a.dev * end + end * end) / 3 - 1) * d;
  }
  const last = path[path.length - 1] as Deviation;
  const held = Math.max(dtS - last.dtS, 0) / spanS;
  return [i1 + last.dev * held, i2 + (last.dev * last.dev - 1) * held];
}

interface TemperatureDesign {
  /** Per sample: 1, t, ∫dev, ∫(dev² − 1) and t², t relative to the newest sample. */
  rows: number[][];
  devOf: (temperatureC: number) => number;
  lastDev: number;
  /** The window's temperature spread, °C: one unit of dev. */
  sdT: number;
  /** The window's lowest and highest dev. */
  minDev: number;
  maxDev: number;
}

/**
 * Columns scaled to order one over the window (time by its span, the integrals by span
 * and the covariate's spread), so the ridge treats them alike. Null when too few
 * samples carry the covariate or it did not move.
 */
function temperatureDesign(
  window: readonly Measurement[],
  ts: readonly number[],
  spanS: number,
  covariate: string,
): TemperatureDesign | null {
  const values = window.map((m) => m.covariates?.[covariate]);
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (present.length < Math.max(MIN_SAMPLES, MIN_COVARIATE_SHARE * window.length)) return null;
  // Carry the last reading over a sample that lacks one.
  let last = present[0] as number;
  const temps = values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? (last = v) : last));
  const meanT = temps.reduce((a, b) => a + b, 0) / temps.length;
  const sdT = Math.sqrt(temps.reduce((a, v) => a + (v - meanT) ** 2, 0) / temps.length);
  if (!(sdT > 1e-6)) return null;
  const devOf = (c: number): number => (c - meanT) / sdT;
  // ∫(T − T̄)dt and ∫((T − T̄)² − var)dt by the trapezoid rule, in units of span·sd.
  const i1: number[] = [0];
  const i2: number[] = [0];
  const dev = temps.map(devOf);
  for (let i = 1; i < ts.length; i++) {
    const dt = ((ts[i] ?? 0) - (ts[i - 1] ?? 0)) / spanS;
    const a = dev[i - 1] ?? 0;
    const b = dev[i] ?? 0;
    i1.push((i1[i - 1] ?? 0) + ((a + b) / 2) * dt);
    i2.push((i2[i - 1] ?? 0) + ((a * a - 1 + (b * b - 1)) / 2) * dt);
  }
  const lastDev = dev[dev.length - 1] ?? 0;
  return {
    rows: ts.map((t, i) => [1, t / spanS, i1[i] ?? 0, i2[i] ?? 0, (t / spanS) ** 2]),
    devOf,
    lastDev,
    sdT,
    minDev: Math.min(...dev),
    maxDev: Math.max(...dev),
  };
}

function residualsOf(rows: readonly (readonly number[])[], ys: readonly number[], coef: readonly number[]): number[] {
  return rows.map((row, i) => (ys[i] ?? 0) - row.reduce((acc, v, j) => acc + v * (coef[j] ?? 0), 0));
}
