import { Z95, requireHistory, type Forecast, type SyncForecaster } from '../forecaster';
import { TsfmError } from '../errors';
import { PPM, timeOrdered, type Measurement } from '../measurement';
import { lowerQuantileInPlace, median, noiseFromDifferences } from './robust';

/** Tuning of {@link KalmanDriftFilter}; every field has a default. */
export interface KalmanOptions {
  /** Diffusion of the offset itself (white frequency noise), s²/s. Default 1e-13 (10 µs over 1000 s). */
  offsetWanderS2PerS?: number;
  /**
   * Diffusion of the drift (random-walk frequency), (s/s)²/s. Default: the forecaster picks,
   * window by window, whichever of {@link DRIFT_WANDER_CANDIDATES} the window's own
   * innovations make most likely; the bare filter takes 1e-16 (0.3 ppm over 1000 s).
   */
  driftWanderPerS?: number;
  /** Drift sigma before any data, ppm. Default 50 (ClockBound's max drift). */
  initialDriftSigmaPpm?: number;
  /** Reject a measurement whose innovation exceeds this many sigmas. Default 4. */
  gateSigmas?: number;
  /**
   * After this many consecutive rejections the filter believes the data over itself
   * (a step of the clock, not a run of outliers) and re-anchors the offset. Default 3.
   */
  maxConsecutiveRejects?: number;
  /**
   * σ of the quietest exchange, seconds, for samples without `uncertaintyS`: each adds
   * 0.35 of its excess delay to it (see {@link kalmanSampleSigmasS}); default: measured
   * from the window's delays.
   */
  measurementSigmaS?: number;
  /** The forecaster replays at most this many of the newest samples. Default 256. */
  maxSamples?: number;
}

/** The filter's estimate: offset at `tS` and drift, with their (co)variances. */
export interface KalmanState {
  tS: number;
  offsetS: number;
  driftSPerS: number;
  /** Covariance [[var offset, cov], [cov, var drift]]. */
  covariance: [[number, number], [number, number]];
  accepted: number;
  rejected: number;
}

/** What {@link KalmanDriftFilter.update} did with a measurement. */
export interface KalmanUpdate {
  accepted: boolean;
  /** Innovation over its predicted sigma; null for the first measurement. */
  normalizedInnovation: number | null;
  /** The innovation's predicted variance (prior offset variance + measurement variance), s²; null for the first. */
  innovationVarianceS2: number | null;
}

/**
 * Drift wander the forecaster chooses among, (s/s)²/s: random-walk frequency of 0.1, 0.33,
 * 1 and 3.3 ppm per √hour — a quiet crystal, a server-room one, a laptop's, a VM's.
 * Too little and the filter lags a wandering clock; too much and it chases queueing
 * noise: a 0.1 ppm/√h clock served through the 1 ppm/√h filter is ~1.5× worse at p95.
 */
export const DRIFT_WANDER_CANDIDATES = [3e-18, 3e-17, 3e-16, 3e-15] as const;

/**
 * A two-state Kalman filter on [offset, drift]: the offset integrates the drift, both
 * diffuse (process noise for wander), and each measurement's noise comes from its
 * uncertainty. Innovations beyond the gate are rejected as outliers, unless they keep
 * coming, which means the clock stepped. Incremental, so the daemon can feed it one
 * measurement at a time; {@link createKalmanForecaster} replays a window through it.
 */
export class KalmanDriftFilter {
  private readonly qOffset: number;
  private readonly qDrift: number;
  private readonly gate: number;
  private readonly maxRejects: number;
  private readonly initialDriftVar: number;
  // The state as plain numbers: the forecaster replays a window through several filters
  // every round, and an object per update was most of that cost.
  private started = false;
  private tS = 0;
  private offsetS = 0;
  private driftSPerS = 0;
  private p00 = 0;
  private p01 = 0;
  private p11 = 0;
  private accepted = 0;
  private rejected = 0;
  private consecutiveRejects = 0;

  constructor(options: KalmanOptions = {}) {
    this.qOffset = options.offsetWanderS2PerS ?? 1e-13;
    this.qDrift = options.driftWanderPerS ?? 1e-16;
    this.gate = options.gateSigmas ?? 4;
    this.maxRejects = options.maxConsecutiveRejects ?? 3;
    this.initialDriftVar = ((options.initialDriftSigmaPpm ?? 50) * PPM) ** 2;
    if (!(this.qOffset >= 0 && this.qDrift >= 0 && this.gate > 0 && this.maxRejects >= 1)) {
      throw new TsfmError('TSFM_BAD_OPTIONS', 'kalman: wander terms must be ≥ 0, gateSigmas > 0, maxConsecutiveRejects ≥ 1');
    }
  }

  /** The current estimate, or null before the first measurement. */
  current(): KalmanState | null {
    if (!this.started) return null;
    return {
      tS: this.tS,
      offsetS: this.offsetS,
      driftSPerS: this.driftSPerS,
      covariance: [
        [this.p00, this.p01],
        [this.p01, this.p11],
      ],
      accepted: this.accepted,
      rejected: this.rejected,
    };
  }

  /** Propagate the state to `tS` without a measurement (holdover); the covariance grows. */
  predict(tS: number): KalmanState {
    if (!this.started)
      throw new TsfmError('TSFM_INSUFFICIENT_HISTORY', 'kalman: no measurement yet', 'feed a measurement with update() first');
    // Never run the model backwards: a target before the estimate gets the estimate itself.
    const dt = Math.max(0, tS - this.tS);
    const q = this.qDrift;
    const p01 = this.p01 + dt * this.p11 + (q * dt * dt) / 2;
    return {
      tS: Math.max(tS, this.tS),
      offsetS: this.offsetS + this.driftSPerS * dt,
      driftSPerS: this.driftSPerS,
      covariance: [
        [this.p00 + 2 * dt * this.p01 + dt * dt * this.p11 + this.qOffset * dt + (q * dt ** 3) / 3, p01],
        [p01, this.p11 + q * dt],
      ],
      accepted: this.accepted,
      rejected: this.rejected,
    };
  }

  /**
   * Fold in one measurement whose one-sigma noise is `sigmaS`: whether the gate let it
   * in, and its innovation (measurement − prediction) in units of its predicted sigma,
   * which callers use to check the filter's honesty. The first measurement has none.
   */
  update(m: Measurement, sigmaS: number): KalmanUpdate {
    const r = Math.max(sigmaS, 1e-9) ** 2;
    if (!this.started) {
      this.started = true;
      this.tS = m.tS;
      this.offsetS = m.offsetS;
      this.driftSPerS = 0;
      this.p00 = r;
      this.p01 = 0;
      this.p11 = this.initialDriftVar;
      this.accepted = 1;
      this.rejected = 0;
      return { accepted: true, normalizedInnovation: null, innovationVarianceS2: null };
    }
    // The prior: the state carried to the measurement (as predict() does, in place).
    const dt = Math.max(0, m.tS - this.tS);
    const q = this.qDrift;
    const p00 = this.p00 + 2 * dt * this.p01 + dt * dt * this.p11 + this.qOffset * dt + (q * dt ** 3) / 3;
    const p01 = this.p01 + dt * this.p11 + (q * dt * dt) / 2;
    const p11 = this.p11 + q * dt;
    this.tS = Math.max(m.tS, this.tS);
    this.offsetS += this.driftSPerS * dt;
    this.p00 = p00;
    this.p01 = p01;
    this.p11 = p11;
    const innovation = m.offsetS - this.offsetS;
    const s = p00 + r;
    const normalizedInnovation = innovation / Math.sqrt(s);
    if (Math.abs(innovation) > this.gate * Math.sqrt(s)) {
      if (this.consecutiveRejects < this.maxRejects) {
        this.consecutiveRejects++;
        this.rejected++;
        return { accepted: false, normalizedInnovation, innovationVarianceS2: s };
      }
      // The data have disagreed with the model for several samples running: the clock
      // stepped. Re-anchor the offset on this sample, keep the drift, reset the offset's certainty.
      this.consecutiveRejects = 0;
      this.offsetS = m.offsetS;
      this.p00 = r;
      this.p01 = 0;
      this.accepted++;
      return { accepted: true, normalizedInnovation, innovationVarianceS2: s };
    }
    this.consecutiveRejects = 0;
    const k0 = p00 / s;
    const k1 = p01 / s;
    this.offsetS += k0 * innovation;
    this.driftSPerS += k1 * innovation;
    // Joseph-free form is enough for a 2×2 with r > 0; symmetric by construction.
    this.p00 = (1 - k0) * p00;
    this.p01 = (1 - k0) * p01;
    this.p11 = p11 - k1 * p01;
    this.accepted++;
    return { accepted: true, normalizedInnovation, innovationVarianceS2: s };
  }
}

/**
 * Absolute one-sigma noise of each sample. A stated uncertainty is used as is. Otherwise
 * the delay bounds it: queueing shows as delay above the path's floor, and the offset
 * error of an exchange that queued d lies within ±d/2 — evenly spread (σ = d/√12) when the
 * queueing splits at random between the directions, nearer the edges when one leg's
 * congestion burst carries most of it (σ → d/2). SLOPE sits between the two.
 *
 * The floor is not the window's minimum delay: its quietest exchange still queued a
 * little (on simulated internet paths the minimum of a window sat 20–140 µs above the
 * true floor). So the excess is counted from a gap below the minimum, FLOOR_GAP times
 * the window's lower-quartile excess: σ = SLOPE·(d + gap). The gap is a share of the
 * queueing's scale, not an estimate of the minimum's own bias (which shrinks as the
 * window grows); it was chosen on the replays below, and it also keeps the luckiest
 * exchange from claiming zero noise — though less than the old floor did (with
 * exponential queueing, the best exchange's σ is now a third to a half of what the 10th
 * percentile's d/√12 gave). When a quarter of the window ties at its minimum (quantized delays, a
 * loopback path) the gap is 0 and σ falls to MIN_SIGMA_S there. A stated
 * `measurementSigmaS` replaces SLOPE·gap. Without delays, every sample gets the noise
 * measured from successive differences.
 *
 * Against the σ of the 10th-percentile floor and d/√12 added in quadrature (the rule
 * before), causal replays of the filter over simulated runs at a 64 s poll (p95 against
 * the linear fit's, six seeds): a quartz clock with a 30-minute outage 0.53–0.67 → 0.41–0.61,
 * steady quartz 0.36–0.60 → 0.29–0.51, sparse polls 0.54–1.04 → 0.54–0.97, temperature
 * wander 0.67–0.80 → 0.64–0.82, VM drift 0.58–0.95 → 0.54–0.89. Ranges hide seeds that
 * lost: steady quartz seed 4 0.43 → 0.48, temperature wander seeds 4 and 5 0.78/0.80 →
 * 0.80/0.82, VM drift seed 5 0.81 → 0.87 (served through the daemon, steady quartz seed
 * 4's p95 121 → 143 µs while the other five gained 8–40 µs).
 *
 * (The linear fit weighs with a median floor instead, which throws away most of what the
 * best exchanges know.)
 */
export function kalmanSampleSigmasS(window: readonly Measurement[], measurementSigmaS?: number): number[] {
  let minDelayS = Infinity;
  for (const m of window) if (m.delayS !== null && m.uncertaintyS === undefined) minDelayS = Math.min(minDelayS, m.delayS);
  const excessS = new Float64Array(window.length);
  let n = 0;
  for (const m of window) if (m.delayS !== null && m.uncertaintyS === undefined) excessS[n++] = m.delayS - minDelayS;
  const differencesS = n < window.length ? noiseFromDifferences(window, 1e-3) : 0;
  const floorS = Math.max(measurementSigmaS ?? SLOPE * FLOOR_GAP * lowerQuantileInPlace(excessS, n, FLOOR_QUANTILE), MIN_SIGMA_S);
  return window.map((m) => {
    if (m.uncertaintyS !== undefined) return Math.max(m.uncertaintyS, MIN_SIGMA_S);
    if (m.delayS === null) return Math.max(differencesS, floorS);
    return floorS + SLOPE * (m.delayS - minDelayS);
  });
}

/** σ of an exchange's offset per second of excess delay: between an even split's 1/√12 and a one-sided 1/2. */
const SLOPE = 0.35;
/** The path's floor lies this share of the window's lower-quartile excess below its minimum delay. */
const FLOOR_GAP = 1 / 7;
const FLOOR_QUANTILE = 0.25;
/** No sample is believed to better than a microsecond: host timestamps are not better. */
const MIN_SIGMA_S = 1e-6;
/** Innovations before this many samples mostly measure the unknown initial drift. */
const SETTLE_SAMPLES = 8;
/** A squared normalized innovation counts at most this much toward a wander's likelihood: one spike must not choose it. */
const MAX_Z2 = 16;

interface Replay {
  filter: KalmanDriftFilter;
  logLikelihood: number;
  /** |innovation| / predicted sigma of each sample after the first few. */
  ratios: number[];
}

function replay(window: readonly Measurement[], sigmas: readonly number[], options: KalmanOptions): Replay {
  const filter = new KalmanDriftFilter(options);
  const ratios: number[] = [];
  let logLikelihood = 0;
  window.forEach((m, i) => {
    const u = filter.update(m, sigmas[i] ?? 1e-3);
    if (u.normalizedInnovation === null || u.innovationVarianceS2 === null) return;
    if (i >= 3) ratios.push(Math.abs(u.normalizedInnovation));
    if (i >= SETTLE_SAMPLES) logLikelihood -= 0.5 * (Math.log(u.innovationVarianceS2) + Math.min(u.normalizedInnovation ** 2, MAX_Z2));
  });
  return { filter, logLikelihood, ratios };
}

/**
 * The window replayed with the given drift wander, or, without one, with each of
 * {@link DRIFT_WANDER_CANDIDATES}, keeping the replay whose innovations were most likely:
 * the clock's own record says how fast its frequency wanders.
 */
function bestReplay(window: readonly Measurement[], sigmas: readonly number[], options: KalmanOptions): Replay {
  if (options.driftWanderPerS !== undefined) return replay(window, sigmas, options);
  let best: Replay | undefined;
  for (const driftWanderPerS of DRIFT_WANDER_CANDIDATES) {
    const r = replay(window, sigmas, { ...options, driftWanderPerS });
    if (best === undefined || r.logLikelihood > best.logLikelihood) best = r;
  }
  return best as Replay;
}

function quantile(values: readonly number[], level: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const at = level * (s.length - 1);
  const lo = Math.floor(at);
  return (s[lo] ?? 0) + ((s[Math.min(lo + 1, s.length - 1)] ?? 0) - (s[lo] ?? 0)) * (at - lo);
}

/** The Kalman filter as a registry forecaster (`kalman`), replaying the newest window on each call. */
export function createKalmanForecaster(options: KalmanOptions = {}): SyncForecaster {
  return {
    name: 'kalman',
    mode: 'sync',
    forecast(history, targetTimesS): Forecast {
      requireHistory('kalman', history);
      const window = timeOrdered(history).slice(-(options.maxSamples ?? 256));
      const sigmas = kalmanSampleSigmasS(window, options.measurementSigmaS);
      const { filter, ratios } = bestReplay(window, sigmas, options);
      // Calibrate σ on the filter's own record: when more than 5% of past innovations
      // fell outside ±1.96 predicted sigmas (heavy tails, a mixture of paths), widen the
      // forecast until its nominal 95% interval would have covered 95% of them.
      const inflation = Math.max(1, quantile(ratios, 0.95) / Z95);
      const noiseS = median(sigmas);
      const points = targetTimesS.map((tS) => {
        const p = filter.predict(tS);
        return { tS, meanS: p.offsetS, sigmaS: inflation * Math.sqrt(p.covariance[0][0] + noiseS * noiseS) };
      });
      const now = filter.current();
      const drift = now === null ? null : { rateSPerS: now.driftSPerS, sigmaSPerS: Math.sqrt(now.covariance[1][1]) };
      return { model: 'kalman', points, drift };
    },
  };
}
