/**
 * The host's free-running oscillator: θ(t) = true − host as a function of true time,
 * before anyone steps the clock. Random terms live on a memoised 1 s grid generated
 * in order from the seed, so any instant — past or future, asked in any order —
 * always gets the same value; analytic terms are evaluated exactly.
 */
import type { SeededRandom } from '@chronotick/tsfm';
import { requireConfig } from './errors';
import { stream } from './seeds';

const PPM = 1e-6;
/** Grid step of the random terms, seconds: fine enough that linear interpolation is exact in effect. */
const GRID_S = 1;
/** Correlation time of the temperature noise (a room's air, a case's heat), seconds. */
const TEMPERATURE_NOISE_TAU_S = 600;

/** A temperature the host can read, which drives the crystal's frequency (quartz does this). */
export interface SimTemperatureParams {
  meanC: number;
  /** Amplitude of the daily/HVAC cycle, °C. */
  amplitudeC: number;
  periodS: number;
  /** dθ/dt per °C away from meanC, ppm. */
  ppmPerC: number;
  /** dθ/dt per (°C away from meanC)², ppm: the crystal's parabola about its turnover point. */
  quadraticPpmPerC2?: number;
  /** σ of a slow random fluctuation of the temperature itself (correlation time 10 min), °C. */
  noiseC?: number;
  /** Phase of the cycle at the start, radians. */
  phaseRad?: number;
  /**
   * Whether the host can read it (default true). An air conditioner's cycle warms the
   * crystal without any sensor the host sees: the swing is in the offset alone.
   */
  sensor?: boolean;
}

/** The oscillator's parameters. θ = true − host; positive drift = host slow. */
export interface SimOscillatorParams {
  /** θ at the start, seconds. */
  initialOffsetS?: number;
  /** Constant part of dθ/dt, ppm. */
  driftPpm?: number;
  /** Random-walk frequency: σ of the drift's change over one hour, ppm. */
  wanderPpmPerSqrtHour?: number;
  /** Random walk of θ itself (white frequency noise): σ of θ's change over one second, seconds. */
  whiteFmSPerSqrtS?: number;
  temperature?: SimTemperatureParams;
}

/** θ of a free-running clock as a function of true elapsed time. */
export interface FreeRunningOffset {
  /** θ at `elapsedS` true seconds after the start, seconds. */
  offsetAtS(elapsedS: number): number;
  /** dθ/dt there, s/s. */
  frequencyAt(elapsedS: number): number;
  /** The temperature there, °C; null when the model has none or the host has no sensor for it. */
  temperatureCAt(elapsedS: number): number | null;
}

/** A growable series of numbers. */
class Series {
  private readonly values: number[] = [];
  at(i: number): number {
    return this.values[i] ?? 0;
  }
  set(i: number, v: number): void {
    this.values[i] = v;
  }
}

export class Oscillator implements FreeRunningOffset {
  private readonly wander = new Series(); // frequency, s/s
  private readonly whiteFm = new Series(); // θ, s
  private readonly tempNoise = new Series(); // °C
  private readonly gridFreq = new Series(); // the grid part of dθ/dt, s/s
  private readonly gridIntegral = new Series(); // ∫ gridFreq from 0, s
  private length = 0;
  private readonly omega: number;
  /** One stream per random term: turning one on or changing it leaves the others' paths as they were. */
  private readonly random: { wander: SeededRandom; whiteFm: SeededRandom; temperature: SeededRandom };

  constructor(
    private readonly params: SimOscillatorParams,
    seed: number,
  ) {
    validate(params);
    const temp = params.temperature;
    this.omega = temp ? (2 * Math.PI) / temp.periodS : 0;
    this.random = {
      wander: stream(seed, 'host-clock:wander'),
      whiteFm: stream(seed, 'host-clock:white-fm'),
      temperature: stream(seed, 'host-clock:temperature'),
    };
    this.tempNoise.set(0, this.draw('temperature', temp?.noiseC ?? 0));
    this.wander.set(0, 0);
    this.whiteFm.set(0, 0);
    this.gridFreq.set(0, this.gridFrequency(0));
    this.gridIntegral.set(0, 0);
    this.length = 1;
  }

  offsetAtS(elapsedS: number): number {
    const p = this.params;
    const t = Math.max(0, elapsedS);
    const { k, u } = this.cell(t);
    const f0 = this.gridFreq.at(k);
    const f1 = this.gridFreq.at(k + 1);
    // Frequency is linear within a cell, so this integral is exact for the grid terms.
    const integral = this.gridIntegral.at(k) + GRID_S * (f0 * u + ((f1 - f0) * u * u) / 2);
    const walk = this.whiteFm.at(k) + (this.whiteFm.at(k + 1) - this.whiteFm.at(k)) * u;
    return (p.initialOffsetS ?? 0) + (p.driftPpm ?? 0) * PPM * elapsedS + this.sineIntegral(elapsedS) + integral + walk;
  }

  /**
   * dθ/dt without the white-FM walk: that term has no derivative worth the name
   * (its slope over a cell is pure noise), and a drift estimate is judged against
   * the frequency a clock discipline could follow.
   */
  frequencyAt(elapsedS: number): number {
    const { k, u } = this.cell(Math.max(0, elapsedS));
    const f = this.gridFreq.at(k) + (this.gridFreq.at(k + 1) - this.gridFreq.at(k)) * u;
    return (this.params.driftPpm ?? 0) * PPM + this.sineFrequency(elapsedS) + f;
  }

  temperatureCAt(elapsedS: number): number | null {
    const temp = this.params.temperature;
    if (!temp || temp.sensor === false) return null;
    const { k, u } = this.cell(Math.max(0, elapsedS));
    const noise = this.tempNoise.at(k) + (this.tempNoise.at(k + 1) - this.tempNoise.at(k)) * u;
    return temp.meanC + this.cycleC(elapsedS) + noise;
  }

  /** Grid cell of t, generating the grid up to it. */
  private cell(t: number): { k: number; u: number } {
    const k = Math.floor(t / GRID_S);
    while (this.length < k + 2) this.extend();
    return { k, u: t / GRID_S - k };
  }

  /** One more grid point. */
  private extend(): void {
    const i = this.length;
    const p = this.params;
    const wanderStep = ((p.wanderPpmPerSqrtHour ?? 0) * PPM * Math.sqrt(GRID_S)) / Math.sqrt(3600);
    const decay = Math.exp(-GRID_S / TEMPERATURE_NOISE_TAU_S);
    const noiseStep = (p.temperature?.noiseC ?? 0) * Math.sqrt(1 - decay * decay);
    this.wander.set(i, this.wander.at(i - 1) + this.draw('wander', wanderStep));
    this.whiteFm.set(i, this.whiteFm.at(i - 1) + this.draw('whiteFm', (p.whiteFmSPerSqrtS ?? 0) * Math.sqrt(GRID_S)));
    this.tempNoise.set(i, this.tempNoise.at(i - 1) * decay + this.draw('temperature', noiseStep));
    this.gridFreq.set(i, this.gridFrequency(i));
    this.gridIntegral.set(i, this.gridIntegral.at(i - 1) + (GRID_S * (this.gridFreq.at(i - 1) + this.gridFreq.at(i))) / 2);
    this.length = i + 1;
  }

  /** σ·N(0, 1) from the term's stream; nothing drawn for a term that is off (a normal costs ~1 µs under jest). */
  private draw(term: 'wander' | 'whiteFm' | 'temperature', sigma: number): number {
    return sigma === 0 ? 0 : sigma * this.random[term].normal();
  }

  /**
   * The frequency terms that are not analytic: the wander, and the temperature's
   * noise and quadratic parts (the linear response to the cycle is integrated exactly).
   */
  private gridFrequency(i: number): number {
    const temp = this.params.temperature;
    if (!temp) return this.wander.at(i);
    const noiseC = this.tempNoise.at(i);
    const deviationC = this.cycleC(i * GRID_S) + noiseC;
    return this.wander.at(i) + (temp.ppmPerC * noiseC + (temp.quadraticPpmPerC2 ?? 0) * deviationC * deviationC) * PPM;
  }

  private cycleC(t: number): number {
    const temp = this.params.temperature;
    return temp ? temp.amplitudeC * Math.sin(this.omega * t + (temp.phaseRad ?? 0)) : 0;
  }

  private sineFrequency(t: number): number {
    const temp = this.params.temperature;
    return temp ? temp.ppmPerC * PPM * this.cycleC(t) : 0;
  }

  /** ∫₀ᵗ ppmPerC·A·sin(ωs + φ) ds, exact. */
  private sineIntegral(t: number): number {
    const temp = this.params.temperature;
    if (!temp) return 0;
    const phase = temp.phaseRad ?? 0;
    return (temp.ppmPerC * PPM * temp.amplitudeC * (Math.cos(phase) - Math.cos(this.omega * t + phase))) / this.omega;
  }
}

function validate(p: SimOscillatorParams): void {
  const finite = (v: number | undefined): boolean => v === undefined || Number.isFinite(v);
  const nonNegative = (v: number | undefined): boolean => v === undefined || (Number.isFinite(v) && v >= 0);
  requireConfig(finite(p.initialOffsetS), 'initialOffsetS', 'a finite number of seconds', p.initialOffsetS);
  requireConfig(finite(p.driftPpm) && Math.abs(p.driftPpm ?? 0) <= 500, 'driftPpm', 'within ±500 (any real oscillator)', p.driftPpm);
  requireConfig(nonNegative(p.wanderPpmPerSqrtHour), 'wanderPpmPerSqrtHour', '≥ 0', p.wanderPpmPerSqrtHour);
  requireConfig(nonNegative(p.whiteFmSPerSqrtS), 'whiteFmSPerSqrtS', '≥ 0', p.whiteFmSPerSqrtS);
  const t = p.temperature;
  if (t) {
    requireConfig(Number.isFinite(t.periodS) && t.periodS > 0, 'temperature.periodS', '> 0', t.periodS);
    requireConfig(Number.isFinite(t.meanC) && Number.isFinite(t.amplitudeC), 'temperature.meanC/amplitudeC', 'finite', t);
    requireConfig(Number.isFinite(t.ppmPerC) && finite(t.quadraticPpmPerC2), 'temperature.ppmPerC/quadraticPpmPerC2', 'finite', t);
    requireConfig(nonNegative(t.noiseC), 'temperature.noiseC', '≥ 0', t.noiseC);
  }
}

/**
 * θ given as a function of the host's (free-running) realtime, as the live
 * reference's `offsetModel` defines it: true = host + θ(host). Inverted here by
 * fixed-point iteration, which converges at once since |dθ/dhost| is below 1e-3.
 * Running one scenario through this and through the reference gives the same clock.
 */
export class HostFunctionOffset implements FreeRunningOffset {
  constructor(
    private readonly offsetAtHostS: (hostS: number) => number,
    private readonly startS: number,
  ) {}

  offsetAtS(elapsedS: number): number {
    const trueS = this.startS + elapsedS;
    let hostS = trueS - this.offsetAtHostS(trueS);
    for (let i = 0; i < 20; i++) {
      const next = trueS - this.offsetAtHostS(hostS);
      if (next === hostS) break;
      hostS = next;
    }
    return this.offsetAtHostS(hostS);
  }

  /** Central difference over one second: the model's own random walk lives on a 1 s grid. */
  frequencyAt(elapsedS: number): number {
    return this.offsetAtS(elapsedS + 0.5) - this.offsetAtS(elapsedS - 0.5);
  }

  temperatureCAt(): number | null {
    return null;
  }
}
