/**
 * The simulated host's clocks, read at the scheduler's now: CLOCK_REALTIME (which
 * drifts, wanders, follows the temperature and can be stepped) and CLOCK_MONOTONIC
 * (same oscillator, never stepped, stopped while the host is suspended). Also the
 * truth a scorer needs: θ = true − host at any true instant or at any host reading.
 */
import type { ClockReading, HostClock } from '@chronotick/ntp';
import { requireConfig, SimError } from './errors';
import { HostFunctionOffset, Oscillator, type FreeRunningOffset, type SimOscillatorParams } from './oscillator';
import type { VirtualScheduler } from './scheduler';

/** Someone sets the realtime clock: it moves by `stepS` (θ by −stepS); monotonic does not. */
export interface SimClockStep {
  /** Seconds after the start, true time. */
  atS: number;
  stepS: number;
}

/** The host sleeps: monotonic and timers stop; realtime keeps true pace, so it jumps against monotonic. */
export interface SimSuspend {
  /** Seconds after the start, true time. */
  atS: number;
  durationS: number;
}

/** A serialisable description of the host clock (every field a plain number). */
export interface SimHostClockParams extends SimOscillatorParams {
  steps?: SimClockStep[];
  suspends?: SimSuspend[];
  /** Seed of the oscillator's own random stream. Default 1. */
  seed?: number;
  /** CLOCK_MONOTONIC at the start, seconds. Default 1000. */
  monotonicStartS?: number;
}

/**
 * Instead of the parametric oscillator, θ as a function of host realtime, as
 * `@chronotick/reference`'s `offsetModel(params, originS)` returns it: the same
 * clock then runs in the simulator and live against the reference.
 */
export interface SimHostFunctionParams {
  offsetAtHostS: (hostS: number) => number;
  steps?: SimClockStep[];
  suspends?: SimSuspend[];
  monotonicStartS?: number;
}

/** Fixed-point iterations when inverting realtime; each gains three digits or more (|dθ/dt| < 1e-3). */
const MAX_INVERSION_STEPS = 30;

export class SimHostClock implements HostClock {
  private readonly free: FreeRunningOffset;
  private readonly steps: SimClockStep[];
  private readonly suspends: SimSuspend[];
  private readonly monotonicStartS: number;

  /**
   * The host's suspends are registered with the scheduler here, since they stop its
   * timers too: use one host clock with suspends per scheduler.
   */
  constructor(
    private readonly scheduler: VirtualScheduler,
    params: SimHostClockParams | SimHostFunctionParams = {},
  ) {
    if ('offsetAtHostS' in params) {
      const p = params as Partial<SimHostClockParams> & SimHostFunctionParams;
      const mixed = ['initialOffsetS', 'driftPpm', 'wanderPpmPerSqrtHour', 'whiteFmSPerSqrtS', 'temperature'].filter((k) => k in p);
      requireConfig(mixed.length === 0, 'offsetAtHostS', `alone (it replaces ${mixed.join(', ')})`, mixed);
      this.free = new HostFunctionOffset(params.offsetAtHostS, scheduler.startS);
    } else {
      this.free = new Oscillator(params, params.seed ?? 1);
    }
    this.steps = [...(params.steps ?? [])].sort((a, b) => a.atS - b.atS);
    this.suspends = [...(params.suspends ?? [])].sort((a, b) => a.atS - b.atS);
    this.monotonicStartS = params.monotonicStartS ?? 1000;
    for (const s of this.steps) requireConfig(Number.isFinite(s.atS) && Number.isFinite(s.stepS), 'steps[]', 'finite atS and stepS', s);
    let endS = -Infinity;
    for (const s of this.suspends) {
      requireConfig(Number.isFinite(s.atS) && s.durationS >= 0, 'suspends[]', 'a finite atS and durationS ≥ 0', s);
      requireConfig(s.atS >= endS, 'suspends[]', 'not overlapping', s);
      endS = s.atS + s.durationS;
      scheduler.suspend(scheduler.startS + s.atS, s.durationS);
    }
  }

  now(): ClockReading {
    const t = this.scheduler.elapsedS;
    return { realtimeS: this.realtimeAt(t), monotonicS: this.monotonicAt(t) };
  }

  /** θ = true − host realtime at a true instant (Unix seconds), steps included. */
  trueOffsetAtTrue(trueS: number): number {
    return this.offsetAt(this.elapsedOf(trueS));
  }

  /** The host's realtime reading at a true instant (Unix seconds). */
  realtimeAtTrue(trueS: number): number {
    return this.realtimeAt(this.elapsedOf(trueS));
  }

  /**
   * θ at the instant the host's realtime read `hostRealtimeS` — what scoring needs for
   * a measurement stamped with host time. After a backward step the host read some
   * values twice; the latest reading up to now wins. A value a forward step skipped
   * over maps to the instant just after that step.
   */
  trueOffsetAtHost(hostRealtimeS: number): number {
    return this.offsetAt(this.elapsedAtHost(hostRealtimeS));
  }

  /** The true time (Unix seconds) at which the host's realtime read `hostRealtimeS`, as trueOffsetAtHost. */
  trueTimeAtHost(hostRealtimeS: number): number {
    return this.scheduler.startS + this.elapsedAtHost(hostRealtimeS);
  }

  /** dθ/dt (s/s) at the instant the host read `hostRealtimeS`; white-FM noise excluded. */
  trueDriftAtHost(hostRealtimeS: number): number {
    return this.free.frequencyAt(this.elapsedAtHost(hostRealtimeS));
  }

  /** dθ/dt (s/s) at a true instant (Unix seconds); white-FM noise excluded. */
  trueDriftAtTrue(trueS: number): number {
    return this.free.frequencyAt(this.elapsedOf(trueS));
  }

  /** The temperature the host reads now, °C; null when the clock has no temperature model. */
  temperatureC(): number | null {
    return this.free.temperatureCAt(this.scheduler.elapsedS);
  }

  private elapsedOf(trueS: number): number {
    if (!Number.isFinite(trueS)) throw new SimError('SIM_BAD_CONFIG', `a finite true time is needed, got ${trueS}`);
    return trueS - this.scheduler.startS;
  }

  /** Sum of the realtime steps at or before elapsed t. */
  private stepSumAt(t: number): number {
    let sum = 0;
    for (const s of this.steps) {
      if (s.atS > t) break;
      sum += s.stepS;
    }
    return sum;
  }

  private offsetAt(t: number): number {
    return this.free.offsetAtS(t) - this.stepSumAt(t);
  }

  private realtimeAt(t: number): number {
    // Subtract before adding the epoch: one rounding at 1.7e9 instead of two.
    return this.scheduler.startS + (t - this.offsetAt(t));
  }

  /** Free-running host time since the start: what monotonic counts when awake. */
  private hostFreeAt(t: number): number {
    return t - this.free.offsetAtS(t);
  }

  private monotonicAt(t: number): number {
    let asleepS = 0;
    for (const s of this.suspends) {
      if (s.atS >= t) break;
      asleepS += this.hostFreeAt(Math.min(t, s.atS + s.durationS)) - this.hostFreeAt(s.atS);
    }
    return this.monotonicStartS + this.hostFreeAt(t) - this.hostFreeAt(0) - asleepS;
  }

  /**
   * Inverts realtime piecewise: between two steps realtime is continuous and
   * increasing, so t = H − start + θ(t) converges by fixed point in each segment.
   */
  private elapsedAtHost(hostRealtimeS: number): number {
    if (!Number.isFinite(hostRealtimeS)) throw new SimError('SIM_BAD_CONFIG', `a finite host time is needed, got ${hostRealtimeS}`);
    const rel = hostRealtimeS - this.scheduler.startS;
    const bounds = [-Infinity, ...this.steps.map((s) => s.atS), Infinity];
    const nowS = this.scheduler.elapsedS;
    let future: number | null = null;
    for (let j = bounds.length - 2; j >= 0; j--) {
      const lowS = bounds[j] as number;
      const highS = bounds[j + 1] as number;
      const stepSum = j === 0 ? 0 : this.stepSumAt(lowS);
      const t = this.solveSegment(rel - stepSum, lowS);
      if (t < lowS || t >= highS) continue;
      if (t <= nowS) return t;
      future = t;
    }
    if (future !== null) return future;
    // Not a value the host ever read: a forward step skipped it.
    for (const s of this.steps) if (this.realtimeAt(s.atS) - this.scheduler.startS > rel) return s.atS;
    return rel;
  }

  /** t with t − θ_free(t) = target, started near the segment. */
  private solveSegment(targetS: number, lowS: number): number {
    let t = targetS + this.free.offsetAtS(Math.max(targetS, lowS === -Infinity ? targetS : lowS));
    for (let i = 0; i < MAX_INVERSION_STEPS; i++) {
      const next = targetS + this.free.offsetAtS(t);
      if (Math.abs(next - t) < 1e-12) return next;
      t = next;
    }
    return t;
  }
}
