import { TsfmError } from './errors';
import { PPM, type Measurement } from './measurement';
import { SeededRandom } from './prng';

/**
 * How the host clock moves against the reference. The true offset θ = reference − host
 * changes at rate `offsetDriftPpm` (a host clock running 10 ppm fast has −10), plus
 * the terms below.
 */
export interface SimClockModel {
  /** θ at the start, seconds. */
  initialOffsetS: number;
  /** Constant part of dθ/dt, ppm, within ±200 for real oscillators. */
  offsetDriftPpm: number;
  /** Random-walk frequency wander: standard deviation of the drift's change over one hour, ppm. */
  driftWanderPpmPerSqrtHour?: number;
  /** Random walk of θ itself (white frequency noise): sd of θ's change over one second, seconds. */
  offsetWanderSPerSqrtS?: number;
  /** Temperature cycle: a sinusoidal drift term, and with `ppmPerC` a temperature the host reads. */
  temperature?: SimTemperature;
  /** Steps of θ (someone set the clock), at seconds after the start. */
  steps?: { atS: number; stepS: number }[];
  /**
   * When set, an operating-system NTP daemon already disciplines the clock: θ decays
   * towards zero with this time constant, seconds (the recorded series look like this).
   */
  disciplineTimeConstantS?: number;
}

/**
 * A temperature cycle. Without `ppmPerC` it is only a sinusoidal drift term. With it,
 * the host reads the temperature (each measurement's `temperature_c` covariate): the
 * cycle is `amplitudePpm / ppmPerC` °C about `meanC`, a slow random fluctuation of
 * `noiseC` (correlation time 10 min) moves the frequency by `ppmPerC` per °C too, and
 * `quadraticPpmPerC2` bends the response into the crystal's parabola.
 */
export interface SimTemperature {
  amplitudePpm: number;
  periodS: number;
  phaseRad?: number;
  ppmPerC?: number;
  meanC?: number;
  noiseC?: number;
  quadraticPpmPerC2?: number;
}

/** Correlation time of the temperature's random fluctuation, seconds. */
const TEMPERATURE_NOISE_TAU_S = 600;
/** Longest step of the numerical integration of the temperature's non-sinusoidal terms, seconds. */
const TEMPERATURE_SUBSTEP_S = 30;

/**
 * The readable temperature and the frequency terms that are not analytic (its
 * fluctuation and the parabola), integrated on sub-steps. Its own random stream, so a
 * series without a readable temperature draws exactly what it drew before.
 */
class ReadableTemperature {
  private readonly rng: SeededRandom;
  private readonly amplitudeC: number;
  private readonly omega: number;
  private noiseC = 0;

  constructor(
    private readonly temp: SimTemperature & { ppmPerC: number },
    seed: number,
  ) {
    this.rng = new SeededRandom(seed * 7919 + 17);
    this.amplitudeC = temp.amplitudePpm / temp.ppmPerC;
    this.omega = (2 * Math.PI) / temp.periodS;
    this.noiseC = (temp.noiseC ?? 0) * this.rng.normal();
  }

  private deviationC(tS: number, noiseC: number): number {
    return this.amplitudeC * Math.sin(this.omega * tS + (this.temp.phaseRad ?? 0)) + noiseC;
  }

  private extraFrequency(tS: number, noiseC: number): number {
    const dev = this.deviationC(tS, noiseC);
    return (this.temp.ppmPerC * noiseC + (this.temp.quadraticPpmPerC2 ?? 0) * dev * dev) * PPM;
  }

  /** θ gained from the non-sinusoidal terms between fromS and toS (trapezoids on sub-steps). */
  advance(fromS: number, toS: number): number {
    let gained = 0;
    const n = Math.max(1, Math.ceil((toS - fromS) / TEMPERATURE_SUBSTEP_S));
    const h = (toS - fromS) / n;
    const decay = Math.exp(-h / TEMPERATURE_NOISE_TAU_S);
    const kick = (this.temp.noiseC ?? 0) * Math.sqrt(1 - decay * decay);
    for (let i = 0; i < n; i++) {
      const t0 = fromS + i * h;
      const before = this.extraFrequency(t0, this.noiseC);
      this.noiseC = this.noiseC * decay + kick * this.rng.normal();
      gained += (h * (before + this.extraFrequency(t0 + h, this.noiseC))) / 2;
    }
    return gained;
  }

  /** What the host reads at tS, °C. */
  readingC(tS: number): number {
    return (this.temp.meanC ?? 35) + this.deviationC(tS, this.noiseC);
  }
}

/** The network path between host and server. Delays are one-way, seconds. */
export interface SimNetworkModel {
  /** Minimum round trip, split evenly between the two directions. */
  baseDelayS: number;
  /** Constant extra delay on the return path (a fixed, invisible asymmetry). */
  fixedAsymmetryS?: number;
  /** Mean queueing delay per direction (exponential), seconds. */
  queueMeanS: number;
  /** Probability per direction of a congestion spike. */
  spikeProbability?: number;
  /** Spike size: Pareto with this minimum, seconds... */
  spikeMinS?: number;
  /** ...and this shape (smaller is heavier; 1.5 has infinite variance). */
  spikeAlpha?: number;
  /** Probability an exchange is lost (no measurement). */
  lossProbability?: number;
}

/** A complete simulation run. */
export interface SimulationConfig {
  seed: number;
  /** Reference time of the first exchange, Unix seconds. Default 1.7e9. */
  startTimeS?: number;
  durationS: number;
  /** Time between exchanges, seconds. */
  intervalS: number;
  clock: SimClockModel;
  network: SimNetworkModel;
  /** Server name written into each measurement. Default `sim.example:123`. */
  server?: string;
  /** Host timestamping noise added to each offset (interrupt latency), sd seconds. Default 0. */
  timestampNoiseS?: number;
}

/** A simulated series: the measurements (with `trueOffsetS`) and what the path did to each. */
export interface SimulatedSeries {
  measurements: Measurement[];
  /** Per measurement: forward minus return one-way delay, seconds. Its half is the offset error. */
  pathAsymmetryS: number[];
}

function oneWayDelayS(rng: SeededRandom, net: SimNetworkModel): number {
  let queueS = rng.exponential(net.queueMeanS);
  if (rng.next() < (net.spikeProbability ?? 0)) queueS += rng.pareto(net.spikeMinS ?? 0.01, net.spikeAlpha ?? 1.5);
  return net.baseDelayS / 2 + queueS;
}

/**
 * Run a deterministic clock-and-network simulation: the same config and seed give the
 * same series, bit for bit. Each exchange measures θ + (forward − return)/2, as an NTP
 * client does (RFC 5905's offset formula applied to the simulated timestamps), and
 * reports the round trip as its delay; timestamps are the host clock at the exchange,
 * rounded to the microsecond.
 */
export function simulate(config: SimulationConfig): SimulatedSeries {
  const { clock, network } = config;
  if (!(config.intervalS > 0) || !(config.durationS >= 0) || !(network.baseDelayS >= 0) || !(network.queueMeanS >= 0)) {
    throw new TsfmError('TSFM_BAD_OPTIONS', 'simulate: intervalS > 0, durationS ≥ 0, baseDelayS ≥ 0 and queueMeanS ≥ 0 are required');
  }
  if (Math.abs(clock.offsetDriftPpm) > 500) {
    throw new TsfmError('TSFM_BAD_OPTIONS', `simulate: offsetDriftPpm ${clock.offsetDriftPpm} is beyond any real oscillator (±500)`);
  }
  const rng = new SeededRandom(config.seed);
  const startS = config.startTimeS ?? 1.7e9;
  const wanderPerStep = ((clock.driftWanderPpmPerSqrtHour ?? 0) * PPM) / Math.sqrt(3600);
  const temp = clock.temperature;
  const omega = temp === undefined ? 0 : (2 * Math.PI) / temp.periodS;
  // ∫ A·sin(ωt + φ) dt, so the temperature term is exact whatever the interval.
  const tempIntegral = (tS: number): number =>
    temp === undefined ? 0 : (-temp.amplitudePpm * PPM * Math.cos(omega * tS + (temp.phaseRad ?? 0))) / omega;
  const steps = [...(clock.steps ?? [])].sort((a, b) => a.atS - b.atS);
  const readable = temp?.ppmPerC ? new ReadableTemperature({ ...temp, ppmPerC: temp.ppmPerC }, config.seed) : null;

  const measurements: Measurement[] = [];
  const pathAsymmetryS: number[] = [];
  let thetaS = clock.initialOffsetS;
  let wanderDrift = 0;
  let stepIndex = 0;
  let prevS = 0;
  for (let k = 0; k * config.intervalS <= config.durationS; k++) {
    const relS = k * config.intervalS;
    const dtS = relS - prevS;
    if (dtS > 0) {
      const before = wanderDrift;
      wanderDrift += wanderPerStep * Math.sqrt(dtS) * rng.normal();
      thetaS += (clock.offsetDriftPpm * PPM + (before + wanderDrift) / 2) * dtS + tempIntegral(relS) - tempIntegral(prevS);
      thetaS += (clock.offsetWanderSPerSqrtS ?? 0) * Math.sqrt(dtS) * rng.normal();
      if (readable) thetaS += readable.advance(prevS, relS);
      if (clock.disciplineTimeConstantS !== undefined) thetaS *= Math.exp(-dtS / clock.disciplineTimeConstantS);
    }
    for (let s = steps[stepIndex]; s !== undefined && s.atS <= relS; s = steps[++stepIndex]) thetaS += s.stepS;
    prevS = relS;

    // Draw the path even for a lost exchange, so the loss setting does not reshuffle the rest.
    const forwardS = oneWayDelayS(rng, network);
    const returnS = oneWayDelayS(rng, network) + (network.fixedAsymmetryS ?? 0);
    const jitterS = (config.timestampNoiseS ?? 0) * rng.normal();
    if (rng.next() < (network.lossProbability ?? 0)) continue;
    const asymmetryS = forwardS - returnS;
    measurements.push({
      tS: Math.round((startS + relS - thetaS) * 1e6) / 1e6,
      offsetS: thetaS + asymmetryS / 2 + jitterS,
      delayS: forwardS + returnS,
      server: config.server ?? 'sim.example:123',
      trueOffsetS: thetaS,
      ...(readable ? { covariates: { temperature_c: Math.round(readable.readingC(relS) * 1000) / 1000 } } : {}),
    });
    pathAsymmetryS.push(asymmetryS);
  }
  return { measurements, pathAsymmetryS };
}
