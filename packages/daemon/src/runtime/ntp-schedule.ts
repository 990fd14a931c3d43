import type { Config } from '@chronotick/config';
import {
  NtpSampler,
  type HostClock,
  type NtpQueryRequest,
  type NtpQueryResult,
  type NtpRound,
  type NtpSamplerStatus,
  type Resolver,
} from '@chronotick/ntp';
import type { Logger } from '../log';
import { PollFeedbackEstimator } from './poll-feedback';
import type { RuntimeTimers } from './timers';

export interface NtpScheduleDeps {
  config: Config;
  clock: HostClock;
  logger: Logger;
  timers: RuntimeTimers;
  /** A round arrived from the current sampler, with its warm-up phase. */
  onRound: (round: NtpRound, warmingUp: boolean) => void;
  /** The exchange and name resolution: real UDP and DNS unless a simulator injects its own. */
  query?: (req: NtpQueryRequest) => Promise<NtpQueryResult>;
  resolver?: Resolver;
}

/**
 * The NTP sampler on the daemon's schedule: dense warm-up, then the normal interval.
 * After a host clock step it is replaced by a fresh one (full warm-up); the old one is
 * stopped at once and its late rounds, timed across the step, are ignored.
 */
export class NtpSchedule {
  private sampler: NtpSampler;
  private stopped = false;

  constructor(private readonly deps: NtpScheduleDeps) {
    this.sampler = this.create(false);
  }

  /** Starts sampling; `skipWarmUp` when restored history already does warm-up's work. */
  start(skipWarmUp: boolean): void {
    this.stopped = false;
    if (skipWarmUp) this.sampler = this.create(true);
    this.sampler.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.sampler.stop();
  }

  /** Replaces the sampler with a fresh one in full warm-up. */
  restart(): void {
    void this.sampler.stop();
    if (this.stopped) return;
    this.sampler = this.create(false);
    this.sampler.start();
  }

  status(): NtpSamplerStatus {
    return this.sampler.status();
  }

  /** The sampler is in its dense warm-up (and servers answer). */
  warmingUp(): boolean {
    return this.sampler.status().state === 'warming_up';
  }

  private create(skipWarmUp: boolean): NtpSampler {
    const { ntp, timing } = this.deps.config.clock_measurement;
    const { measurement_interval: intervalS, min_interval: minIntervalS } = timing.normal_operation;
    // A fresh sampler (start, or after a step) learns the clock's stability anew.
    const estimator = new PollFeedbackEstimator();
    const sampler: NtpSampler = new NtpSampler(
      {
        servers: ntp.servers,
        intervalS,
        ...(minIntervalS === undefined
          ? {}
          : {
              adaptive: {
                minIntervalS,
                local: { minIntervalS: timing.local_servers.min_interval, maxIntervalS: timing.local_servers.max_interval },
              },
            }),
        warmUp: { durationS: skipWarmUp ? 0 : timing.warm_up.duration_seconds, intervalS: timing.warm_up.measurement_interval },
        minPollS: ntp.min_poll_seconds,
        timeoutMs: ntp.timeout_seconds * 1000,
        maxUncertaintyS: ntp.max_acceptable_uncertainty,
      },
      {
        clock: () => this.deps.clock.now().realtimeS,
        monotonicS: () => this.deps.clock.now().monotonicS,
        timers: this.deps.timers,
        ...(this.deps.query ? { query: this.deps.query } : {}),
        ...(this.deps.resolver ? { resolver: this.deps.resolver } : {}),
        onRound: (round) => {
          // A replaced sampler's late round was timed across a step: ignore it.
          if (this.stopped || sampler !== this.sampler) return;
          this.deps.onRound(round, round.phase === 'warm_up');
        },
        pollFeedback: (sample) => estimator.feedback(sample),
        onError: (err) => this.deps.logger.error(`NTP round handler failed: ${String(err)}`),
      },
    );
    return sampler;
  }
}
