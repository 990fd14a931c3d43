import { NtpSampler, type NtpRound, type NtpSample, type NtpSamplerConfig } from '@chronotick/ntp';
import {
  SimHostClock,
  SimNetwork,
  VirtualScheduler,
  type SimHostClockParams,
  type SimPathParams,
  type SimServerEntry,
} from '@chronotick/sim';

export const START_S = 1.7e9;

/** A path with no random delay: the exchange's arithmetic can be checked to the µs. */
export const QUIET_PATH: SimPathParams = { baseDelayS: 0.02, queueMeanS: 0 };
/** An internet-like path: 20 ms round trip, 1 ms queueing per direction. */
export const INTERNET_PATH: SimPathParams = { baseDelayS: 0.02, queueMeanS: 0.001 };

export interface TestWorld {
  scheduler: VirtualScheduler;
  host: SimHostClock;
  network: SimNetwork;
  sampler: NtpSampler;
  rounds: NtpRound[];
  /** Every accepted sample with the true offset at its tS. */
  samples(): { sample: NtpSample; trueOffsetS: number }[];
}

/** A simulated host running the real NtpSampler against simulated servers. */
export function samplerWorld(
  servers: SimServerEntry[],
  options: { host?: SimHostClockParams; seed?: number; sampler?: Partial<NtpSamplerConfig> } = {},
): TestWorld {
  const scheduler = new VirtualScheduler({ startS: START_S });
  const host = new SimHostClock(scheduler, options.host ?? { initialOffsetS: 0.01, driftPpm: 12 });
  const network = new SimNetwork(scheduler, { servers, seed: options.seed ?? 1 });
  const rounds: NtpRound[] = [];
  const sampler = new NtpSampler(
    {
      servers: servers.map((s) => s.name),
      intervalS: 64,
      warmUp: { durationS: 0, intervalS: 64 },
      minPollS: 16,
      timeoutMs: 2000,
      maxUncertaintyS: 0.05,
      ...options.sampler,
    },
    {
      clock: () => host.now().realtimeS,
      monotonicS: () => host.now().monotonicS,
      timers: scheduler.timers,
      query: network.query,
      resolver: network.resolver,
      onRound: (r) => rounds.push(r),
    },
  );
  const samples = () =>
    rounds
      .flatMap((r) => r.results.filter((x): x is NtpSample => x.ok))
      .map((sample) => ({ sample, trueOffsetS: host.trueOffsetAtHost(sample.tS) }));
  return { scheduler, host, network, sampler, rounds, samples };
}

/** The servers' names as the daemon would be configured with them. */
export const name = (letter: string): string => `sim-${letter}.example:123`;
