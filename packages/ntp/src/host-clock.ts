/**
 * The host clock, read at microsecond resolution.
 *
 * Node offers CLOCK_REALTIME only through Date.now(), which has 1 ms resolution — too
 * coarse for a service whose error budget is tens of microseconds. It offers
 * CLOCK_MONOTONIC at nanosecond resolution through process.hrtime.bigint(). So we anchor
 * realtime at the instant Date.now() ticks over to a new millisecond (spinning until it
 * does, ≤1 ms, done rarely and never on the request path) and extend it with the
 * monotonic clock. On Linux both clocks are slewed alike by the kernel's NTP
 * discipline, so they only part ways when realtime is *stepped* — which is exactly what
 * `checkForStep` notices by comparing Date.now() against the extrapolation.
 */

/** One reading of both host clocks, taken together. */
export interface ClockReading {
  /** CLOCK_REALTIME, Unix seconds, µs resolution or better. */
  realtimeS: number;
  /** CLOCK_MONOTONIC, seconds since an arbitrary origin. */
  monotonicS: number;
}

/** A source of host clock readings; tests inject one they can step. */
export interface HostClock {
  now(): ClockReading;
  /**
   * Looks for a step of realtime that `now()` cannot see by itself (the system clock
   * extrapolates realtime from monotonic between checks). Called about once a second.
   */
  checkForStep?(): void;
}

/** Re-anchoring when Date.now() disagrees with the extrapolation by more than this. */
const STEP_THRESHOLD_MS = 2;

export class SystemHostClock implements HostClock {
  private anchorRealtimeMs = 0;
  private anchorMonoNs = 0n;

  constructor() {
    this.anchor();
  }

  now(): ClockReading {
    const monoNs = process.hrtime.bigint();
    const elapsedNs = Number(monoNs - this.anchorMonoNs);
    return {
      realtimeS: (this.anchorRealtimeMs + elapsedNs / 1e6) / 1000,
      monotonicS: Number(monoNs) / 1e9,
    };
  }

  /**
   * Compares the extrapolated realtime with Date.now(); when they differ by more than
   * a millisecond tick can explain, realtime was stepped, so re-anchor. Returns the
   * size of the step in seconds (0 when none). Call it periodically, off the request path.
   */
  checkForStep(): void {
    this.stepSinceAnchorS();
  }

  /** As checkForStep, returning the step found in seconds (0 when none). */
  stepSinceAnchorS(): number {
    const predictedMs = this.now().realtimeS * 1000;
    const observedMs = Date.now();
    // Date.now() truncates, so it lies in [predicted − 1, predicted] when all is well.
    const discrepancyMs = observedMs - predictedMs;
    if (discrepancyMs > STEP_THRESHOLD_MS - 1 || discrepancyMs < -STEP_THRESHOLD_MS) {
      this.anchor();
      return discrepancyMs / 1000;
    }
    return 0;
  }

  /**
   * Ties a millisecond edge of Date.now() to the monotonic clock. A single edge can be
   * off by however long the process was preempted between the two monotonic reads
   * that bracket it (hundreds of µs on a busy host), so several edges are caught and
   * the one with the tightest bracket wins.
   */
  private anchor(): void {
    let best = catchMillisecondEdge();
    for (let i = 1; i < MAX_ANCHOR_ATTEMPTS && best.bracketNs > GOOD_BRACKET_NS; i++) {
      const edge = catchMillisecondEdge();
      if (edge.bracketNs < best.bracketNs) best = edge;
    }
    this.anchorMonoNs = best.monoNs;
    this.anchorRealtimeMs = best.realtimeMs;
  }
}

/** Edges tried at most per anchoring (each costs up to 1 ms of spinning; at start-up and after a step only). */
const MAX_ANCHOR_ATTEMPTS = 20;
/** A bracket this tight pins the edge to within ±5 µs: good enough to stop trying. */
const GOOD_BRACKET_NS = 10_000n;

interface MillisecondEdge {
  realtimeMs: number;
  monoNs: bigint;
  bracketNs: bigint;
}

/**
 * Spins until Date.now() ticks. The edge fell after the last read that saw the old
 * millisecond and before the first that saw the new one; the bracket is the pair of
 * monotonic reads taken just before the first and just after the second.
 */
function catchMillisecondEdge(): MillisecondEdge {
  let bracketStartNs = process.hrtime.bigint();
  let previousMs = Date.now();
  for (;;) {
    const beforeReadNs = process.hrtime.bigint();
    const nowMs = Date.now();
    const afterReadNs = process.hrtime.bigint();
    if (nowMs !== previousMs) {
      return {
        realtimeMs: nowMs,
        monoNs: (bracketStartNs + afterReadNs) / 2n,
        bracketNs: afterReadNs - bracketStartNs,
      };
    }
    bracketStartNs = beforeReadNs;
    previousMs = nowMs;
  }
}

/**
 * A clock whose readings tests set by hand: advance both clocks together, or step
 * realtime alone as a suspend/resume or an operator's `date -s` would.
 */
export class ManualHostClock implements HostClock {
  constructor(
    private realtimeS: number,
    private monotonicS = 1000,
  ) {}

  now(): ClockReading {
    return { realtimeS: this.realtimeS, monotonicS: this.monotonicS };
  }

  advance(seconds: number): void {
    this.realtimeS += seconds;
    this.monotonicS += seconds;
  }

  stepRealtime(seconds: number): void {
    this.realtimeS += seconds;
  }
}

/**
 * How far realtime moved against monotonic between two readings, seconds. Beyond the
 * slew a clock discipline can produce in that span, this is a step of the host clock.
 */
export function realtimeStepS(previous: ClockReading, current: ClockReading): number {
  return current.realtimeS - previous.realtimeS - (current.monotonicS - previous.monotonicS);
}

/**
 * The real host clock with an adjustable shift of realtime, so end-to-end tests can
 * step the daemon's view of the clock — as a suspend/resume or `date -s` would —
 * without touching the system clock.
 */
export class ShiftableHostClock implements HostClock {
  private shiftS = 0;

  constructor(private readonly base: SystemHostClock = new SystemHostClock()) {}

  now(): ClockReading {
    const reading = this.base.now();
    return { realtimeS: reading.realtimeS + this.shiftS, monotonicS: reading.monotonicS };
  }

  checkForStep(): void {
    this.base.checkForStep();
  }

  stepRealtime(seconds: number): void {
    this.shiftS += seconds;
  }
}
