import { selectAndCombine, type SelectionInput, type SelectionResult } from '@chronotick/ntp';
import type { RoundSample } from './clock-discipline';
import type { Correction } from './correction';

/**
 * Falseticker rejection across servers. Servers are polled at different moments, so
 * each server's newest sample is brought to the present with the served drift before
 * the intervals are compared; its interval widens by what that extrapolation could be
 * wrong by. A sample too old to say anything takes no part.
 */
export class ServerSelection {
  /** Each server's newest accepted sample. */
  private readonly latest = new Map<string, RoundSample>();

  constructor(
    /** A sample older than this, seconds, is dropped from selection (it follows the poll cadence). */
    private readonly maxSampleAgeS: () => number,
    private readonly maxDriftPpm: number,
    /** The bound of a sample that states none (a replayed series): the most any accepted sample may have. */
    private readonly unknownBoundS: number,
  ) {}

  /** Takes a round's accepted samples and selects among every server's newest at `nowS`. */
  select(samples: readonly RoundSample[], served: Correction, nowS: number): SelectionResult {
    for (const s of samples) this.latest.set(s.server, s);
    return selectAndCombine(this.inputs(served, nowS));
  }

  /** Forgets every sample: after a step of the host clock none of them holds. */
  clear(): void {
    this.latest.clear();
  }

  private inputs(served: Correction, nowS: number): SelectionInput[] {
    const knownDrift = served.source !== 'system';
    const maxDriftRate = this.maxDriftPpm * 1e-6;
    const inputs: SelectionInput[] = [];
    for (const [server, sample] of this.latest) {
      const ageS = Math.max(0, nowS - sample.tS);
      if (ageS > this.maxSampleAgeS()) {
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
