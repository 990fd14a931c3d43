import { selectAndCombine, type SelectionInput, type SelectionResult } from '@chronotick/ntp';
import type { RoundSample } from './clock-discipline';
import type { Correction } from './correction';

/**
 * Falseticker rejection across servers. Servers are polled at different moments, so
 * each server's newest sample is brought to the present with the served drift before
 * the intervals are compared; its interval widens by what that extrapolation could be
 * wrong by. A sample too old to say anything takes no part: older than three of that
 * server's own polls — with adaptive polling one server may be asked every 64 s and
 * another every 1024 s, and the slow one's sample still speaks against a falseticker.
 */
export class ServerSelection {
  /** Each server's newest accepted sample. */
  private readonly latest = new Map<string, RoundSample>();
  /** Each server's last gap between accepted samples, seconds: its own poll interval, as it happens. */
  private readonly gapS = new Map<string, number>();

  constructor(
    /** A sample is dropped once older than three of its server's polls, and never before this, seconds. */
    private readonly minSampleAgeS: () => number,
    private readonly maxDriftPpm: number,
    /** The bound of a sample that states none (a replayed series): the most any accepted sample may have. */
    private readonly unknownBoundS: number,
  ) {}

  /** Takes a round's accepted samples and selects among every server's newest at `nowS`; servers set aside are tracked, not combined. */
  select(
    samples: readonly RoundSample[],
    served: Correction,
    nowS: number,
    setAside: (server: string) => boolean = () => false,
  ): SelectionResult {
    for (const s of samples) {
      const previous = this.latest.get(s.server);
      if (previous !== undefined && s.tS - previous.tS > 1) this.gapS.set(s.server, s.tS - previous.tS);
      this.latest.set(s.server, s);
    }
    return selectAndCombine(this.inputs(served, nowS).filter((input) => !setAside(input.server)));
  }

  /** Forgets every sample: after a step of the host clock none of them holds. */
  clear(): void {
    this.latest.clear();
    this.gapS.clear();
  }

  private inputs(served: Correction, nowS: number): SelectionInput[] {
    const knownDrift = served.source !== 'system';
    const maxDriftRate = this.maxDriftPpm * 1e-6;
    const inputs: SelectionInput[] = [];
    for (const [server, sample] of this.latest) {
      const ageS = Math.max(0, nowS - sample.tS);
      if (ageS > Math.max(this.minSampleAgeS(), 3 * (this.gapS.get(server) ?? 0))) {
        this.latest.delete(server);
        continue;
      }
      inputs.push({
        server,
        offsetS: sample.offsetS + (knownDrift ? served.driftSPerS * ageS : 0),
        uncertaintyS: (sample.boundS ?? this.unknownBoundS) + (knownDrift ? served.driftSigmaSPerS : maxDriftRate) * ageS,
        leap: sample.leap,
      });
    }
    return inputs;
  }
}
