/** Configuration, dependencies, rounds and status of the NTP sampler. */
import type { PollBounds, PollFeedback } from './adaptive-poll';
import type { Resolver } from './address';
import type { NtpQueryRequest, TimerApi } from './query';
import type { SelectionResult } from './selection';
import type { ServerSnapshot } from './server-state';
import type { NtpQueryResult, NtpSample } from './validate';

export interface NtpSamplerConfig {
  /** `host[:port]` or `[v6]:port`. */
  servers: readonly string[];
  /**
   * Round interval after warm-up. With `adaptive` set it is the longest interval a
   * public server is polled at (chrony's maxpoll); without it, a fixed interval.
   */
  intervalS: number;
  /**
   * Adapt each server's interval to the clock's stability (see AdaptivePoll), from
   * `minIntervalS` up to `intervalS`; servers whose resolved address is on this host or
   * the local network (loopback, private, link-local) use `local` instead when given.
   * Absent: every server is polled at `intervalS`.
   */
  adaptive?: { minIntervalS: number; local?: PollBounds };
  warmUp: { durationS: number; intervalS: number };
  /** Per-server floor on the poll interval; wins over warm-up density. */
  minPollS: number;
  /** Ceiling for back-off and KoD RATE stretching. Default 1024 s. */
  maxPollS?: number;
  timeoutMs: number;
  /** max_acceptable_uncertainty: samples less certain are rejected and counted. */
  maxUncertaintyS: number;
  /** Gap between queries to successive servers within a round. Default 20 ms. */
  spreadMs?: number;
}

export interface NtpSamplerDeps {
  /** Realtime clock for T1/T4: Unix seconds with µs resolution. */
  clock: () => number;
  /** Scheduling clock in seconds; monotonic in the daemon. Defaults to `clock`. */
  monotonicS?: () => number;
  timers?: TimerApi;
  query?: (req: NtpQueryRequest) => Promise<NtpQueryResult>;
  resolver?: Resolver;
  onRound: (round: NtpRound) => void;
  /**
   * What the estimator learned from an accepted sample, for the adaptive interval; called
   * once per accepted sample, before the round is handed on. Absent, or null: the
   * interval stays where it is (the minimum, at first).
   */
  pollFeedback?: (sample: NtpSample) => PollFeedback | null;
  /** Errors thrown by onRound land here instead of escaping a timer. */
  onError?: (err: unknown) => void;
}

export type SamplerPhase = 'warm_up' | 'normal';

/**
 * `no_response`: servers are configured but none has answered in recent
 * rounds (no network?); the sampler keeps retrying with back-off.
 * `no_usable_servers`: every server refused us (KoD DENY/RSTR) or none is configured.
 */
export type SamplerState = 'idle' | 'warming_up' | 'running' | 'no_response' | 'no_usable_servers' | 'stopped';

export interface NtpRound {
  seq: number;
  phase: SamplerPhase;
  /** Realtime at round start and end, Unix seconds. */
  startedAtS: number;
  endedAtS: number;
  /** Every exchange of the round, accepted or rejected. */
  results: NtpQueryResult[];
  combined: SelectionResult;
  state: SamplerState;
}

export interface NtpSamplerStatus {
  state: SamplerState;
  message: string;
  warmup_progress: number;
  warmup_remaining_s: number;
  rounds: number;
  consecutive_failed_rounds: number;
  last_success_age_s: number | null;
  servers: ServerSnapshot[];
}
