/**
 * The poll interval of one server, adapted to what the clock does, as chronyd adapts its
 * poll between minpoll and maxpoll: the interval doubles while the regression window of
 * the server's samples holds more than a target number of them (the clock is steady, so
 * a longer window and sparser samples lose nothing), halves when the window shrinks
 * below the target (the runs test found the drift changing), and drops at once when a
 * sample lands further from the prediction than its own error bound (the clock is not
 * being tracked at all).
 *
 * One rule goes beyond chrony's. A periodic wander (a temperature cycle) sampled
 * sparsely looks like noise to the runs test, so the window stays full and the interval
 * climbs to the maximum while the clock moves milliseconds between polls. So the
 * interval also halves while the samples scatter about the fitted line by clearly more
 * than the path's own noise (read from the excess delays) explains: then the clock's
 * motion within the window, not the network, is what the line misses.
 */

/** What the estimator learned from one accepted sample of the server. */
export interface PollFeedback {
  /** Samples of this server in the fit's window, after the runs test shrank it. */
  windowSamples: number;
  /** Measured − predicted for this sample from the fit before it, seconds; null when there was no fit yet. */
  predictionErrorS: number | null;
  /** The sample's own error bound λ (δ/2 + root distance), seconds. */
  distanceS: number;
  /** Robust scatter of the window's samples about the fitted line, seconds. */
  scatterS?: number;
  /**
   * The offset scatter the path explains (queueing seen in the delays), seconds; absent:
   * only chrony's rules apply.
   */
  noiseS?: number;
}

/** Bounds of the adaptive interval, seconds. */
export interface PollBounds {
  minIntervalS: number;
  maxIntervalS: number;
}

/**
 * Samples the window should hold: chrony's `polltarget` default. More samples per
 * window than this and the interval may grow; fewer and it shrinks.
 */
export const POLL_TARGET_SAMPLES = 8;

/**
 * Scatter about the line beyond this many times the path's noise: the line does not
 * hold over the window's span, and the interval halves.
 */
export const WANDER_NOISE_RATIO = 0.85;

/** Polls at an interval before it may double. */
export const MAX_GROWTH_POLLS = 4;

export class AdaptivePoll {
  /** Doublings above the minimum interval. */
  private steps = 0;
  /** chrony's poll_score: adjustments accumulate and move the interval one step per unit. */
  private score = 0;
  private readonly maxSteps: number;

  constructor(
    readonly bounds: PollBounds,
    private readonly target = POLL_TARGET_SAMPLES,
  ) {
    this.maxSteps = Math.max(0, Math.ceil(Math.log2(bounds.maxIntervalS / bounds.minIntervalS) - 1e-9));
  }

  /** The interval to poll at now, seconds: the minimum times 2^steps, never above the maximum. */
  get intervalS(): number {
    return Math.min(this.bounds.minIntervalS * 2 ** this.steps, this.bounds.maxIntervalS);
  }

  /** Folds one sample's feedback into the score and moves the interval when it crosses a unit. */
  update(feedback: PollFeedback): void {
    this.score += this.adjustment(feedback);
    if (this.score >= 1) {
      const up = Math.floor(this.score);
      this.steps += up;
      this.score -= up;
    } else if (this.score < 0) {
      // Shortening is immediate: a wandering clock should not wait a whole long interval.
      const down = Math.floor(this.score);
      this.steps += down;
      this.score -= down;
    }
    if (this.steps <= 0) {
      this.steps = 0;
      this.score = Math.max(this.score, 0);
    } else if (this.steps >= this.maxSteps) {
      this.steps = this.maxSteps;
      this.score = Math.min(this.score, 1);
    }
  }

  private adjustment({ windowSamples, predictionErrorS, distanceS, scatterS, noiseS }: PollFeedback): number {
    const errorS = Math.abs(predictionErrorS ?? 0);
    if (predictionErrorS !== null && distanceS > 0 && errorS > distanceS) {
      // Off by more than the sample's own bound: back to dense sampling, by how far.
      return -Math.log2(errorS / distanceS);
    }
    if (scatterS !== undefined && noiseS !== undefined && noiseS > 0 && scatterS > WANDER_NOISE_RATIO * noiseS) {
      // The clock moves within the window by more than the path scatters: poll more often.
      return -Math.log2(scatterS / (WANDER_NOISE_RATIO * noiseS));
    }
    const adj = (windowSamples / this.target - 1) / this.target;
    // Shorten faster than lengthen, as chrony does. Lengthen by at most one step per
    // MAX_GROWTH_POLLS samples, so each new interval is seen long enough for its scatter
    // to show before the next: chrony's full window of old dense samples says nothing
    // of how the clock fares over the longer gap.
    return windowSamples < this.target ? 2 * adj : Math.min(adj, 1 / MAX_GROWTH_POLLS);
  }
}
