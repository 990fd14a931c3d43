import type { ClockStatus, TimeAnswer } from '@chronotick/protocol';
import { Z95 } from '@chronotick/tsfm';
import { quantile } from '../eval/metrics';

/** What one query of a simulated run found: the answer and the truth at that instant. */
export interface ScoredQuery {
  answer: TimeAnswer;
  /** True offset (true − host) at the instant the answer read the host clock, seconds. */
  trueOffsetS: number;
  /** True dθ/dt there, s/s. */
  trueDriftSPerS: number;
}

/** The figures of a simulated run: what `get_time` answered against the truth. */
export interface ServedScore {
  /** Queries asked, those scored, and those that claimed nothing (no measurement behind them). */
  queries: number;
  scored: number;
  unclaimed: number;
  error_p50_s: number | null;
  error_p95_s: number | null;
  error_max_s: number | null;
  /** Largest |error| while the clock said `synchronized` (a step or a leap excepted). */
  error_max_synchronized_s: number | null;
  /** |error| p95 and max while the clock said `free_running`: holdover, no server answering. */
  error_p95_free_running_s: number | null;
  error_max_free_running_s: number | null;
  /** Share of scored answers whose ±1.96σ held the true offset. */
  coverage_95: number | null;
  /** Share whose [earliest, latest] held the true time, at the configured coverage. */
  coverage_interval: number | null;
  /** Mean full width of the 95% interval, seconds. */
  mean_width_95_s: number | null;
  /** Answers whose hard bound did not hold the truth (its assumptions hold in the simulator: should be 0). */
  hard_bound_misses: number;
  /** Mean full width of the hard bound, seconds. */
  mean_hard_width_s: number | null;
  drift_error_p50_ppm: number | null;
  drift_error_p95_ppm: number | null;
  /** Share of answers whose ±1.96 drift_uncertainty held the true drift. */
  drift_coverage_95: number | null;
  /** Seconds spent in each clock status (queries × interval). */
  status_s: Partial<Record<ClockStatus, number>>;
  /** The clock status of the last answer. */
  final_clock_status: ClockStatus | null;
}

/** Collects the queries of one run. */
export class ServedScorer {
  private readonly errors: number[] = [];
  private readonly driftErrors: number[] = [];
  private readonly freeRunningErrors: number[] = [];
  private queries = 0;
  private in95 = 0;
  private inInterval = 0;
  private width95 = 0;
  private driftIn95 = 0;
  private maxSynchronizedS: number | null = null;
  private last: ClockStatus | null = null;
  private unclaimed = 0;
  private hardMisses = 0;
  private hardWidth = 0;
  private withHard = 0;
  private readonly statusS: Partial<Record<ClockStatus, number>> = {};

  constructor(private readonly intervalS: number) {}

  add({ answer, trueOffsetS, trueDriftSPerS }: ScoredQuery): void {
    this.queries++;
    this.statusS[answer.clock_status] = (this.statusS[answer.clock_status] ?? 0) + this.intervalS;
    this.last = answer.clock_status;
    if (answer.clock_status === 'unknown') return;
    const errorS = answer.offset_correction - trueOffsetS;
    const sigmaS = answer.time_uncertainty;
    // No measurement behind it (just after a step): nothing is claimed, nothing to score.
    if (sigmaS === null || answer.earliest === null || answer.latest === null || answer.drift_uncertainty === null) {
      this.unclaimed++;
      return;
    }
    this.errors.push(Math.abs(errorS));
    if (answer.clock_status === 'synchronized') this.maxSynchronizedS = Math.max(this.maxSynchronizedS ?? 0, Math.abs(errorS));
    if (answer.clock_status === 'free_running') this.freeRunningErrors.push(Math.abs(errorS));
    if (Math.abs(errorS) <= Z95 * sigmaS) this.in95++;
    this.width95 += 2 * Z95 * sigmaS;
    // In offset space: the interval's ends minus the host reading, so 1.8e9 s of
    // magnitude does not eat the microseconds.
    const lowS = answer.earliest - answer.system_time;
    const highS = answer.latest - answer.system_time;
    if (trueOffsetS >= lowS && trueOffsetS <= highS) this.inInterval++;
    if (answer.hard_earliest !== null && answer.hard_latest !== null) {
      this.withHard++;
      const hardLowS = answer.hard_earliest - answer.system_time;
      const hardHighS = answer.hard_latest - answer.system_time;
      this.hardWidth += hardHighS - hardLowS;
      if (trueOffsetS < hardLowS || trueOffsetS > hardHighS) this.hardMisses++;
    }
    const driftErr = answer.drift_rate - trueDriftSPerS;
    this.driftErrors.push(Math.abs(driftErr));
    if (Math.abs(driftErr) <= Z95 * answer.drift_uncertainty) this.driftIn95++;
  }

  report(): ServedScore {
    const n = this.errors.length;
    const share = (k: number): number | null => (n === 0 ? null : k / n);
    return {
      queries: this.queries,
      scored: n,
      unclaimed: this.unclaimed,
      error_p50_s: quantile(this.errors, 0.5),
      error_p95_s: quantile(this.errors, 0.95),
      error_max_s: n === 0 ? null : this.errors.reduce((m, v) => Math.max(m, v), 0),
      error_max_synchronized_s: this.maxSynchronizedS,
      error_p95_free_running_s: quantile(this.freeRunningErrors, 0.95),
      error_max_free_running_s: this.freeRunningErrors.length === 0 ? null : Math.max(...this.freeRunningErrors),
      coverage_95: share(this.in95),
      coverage_interval: share(this.inInterval),
      mean_width_95_s: share(this.width95),
      hard_bound_misses: this.hardMisses,
      mean_hard_width_s: this.withHard === 0 ? null : this.hardWidth / this.withHard,
      drift_error_p50_ppm: scaled(quantile(this.driftErrors, 0.5), 1e6),
      drift_error_p95_ppm: scaled(quantile(this.driftErrors, 0.95), 1e6),
      drift_coverage_95: share(this.driftIn95),
      status_s: { ...this.statusS },
      final_clock_status: this.last,
    };
  }
}

function scaled(value: number | null, by: number): number | null {
  return value === null ? null : value * by;
}
