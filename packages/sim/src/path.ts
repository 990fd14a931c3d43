/**
 * One network path between the host and a server: what each direction of each
 * exchange takes, and whether it gets through. Draws come from the path's own
 * stream, a fixed number per exchange, so changing the loss probability or an
 * outage does not reshuffle the delays (nor anything else in the world).
 */
import type { SeededRandom } from '@chronotick/tsfm';
import { requireConfig } from './errors';

/** Heavy-tailed congestion: with `probability` per direction, a Pareto(minS, alpha) extra delay. */
export interface SimSpikeParams {
  probability: number;
  minS: number;
  /** Pareto shape: smaller is heavier; 1.5 has infinite variance. */
  alpha: number;
}

/** A window when nothing gets through, seconds after the start (true time). */
export interface SimOutage {
  atS: number;
  durationS: number;
}

export interface SimPathParams {
  /** Minimum round trip, split evenly between the directions. */
  baseDelayS: number;
  /** Extra constant delay on the return path: an asymmetry no client can see. */
  fixedAsymmetryS?: number;
  /** Mean queueing delay per direction (exponential). */
  queueMeanS: number;
  spike?: SimSpikeParams;
  /** Probability an exchange is lost (either direction). */
  lossProbability?: number;
  outages?: SimOutage[];
}

/** What the path does to one exchange. */
export interface PathDraw {
  /** One-way delay host → server, seconds. */
  forwardS: number;
  /** One-way delay server → host, seconds. */
  returnS: number;
  /** Lost at random (outages are checked against the instants, see `isOut`). */
  lost: boolean;
}

export class SimPath {
  constructor(
    readonly params: SimPathParams,
    private readonly random: SeededRandom,
  ) {
    const p = params;
    requireConfig(Number.isFinite(p.baseDelayS) && p.baseDelayS >= 0, 'path.baseDelayS', '≥ 0', p.baseDelayS);
    requireConfig(Number.isFinite(p.queueMeanS) && p.queueMeanS >= 0, 'path.queueMeanS', '≥ 0', p.queueMeanS);
    requireConfig(
      p.fixedAsymmetryS === undefined || Number.isFinite(p.fixedAsymmetryS),
      'path.fixedAsymmetryS',
      'finite',
      p.fixedAsymmetryS,
    );
    requireConfig(probability(p.lossProbability ?? 0), 'path.lossProbability', 'in [0, 1]', p.lossProbability);
    if (p.spike) {
      const s = p.spike;
      requireConfig(probability(s.probability) && s.minS > 0 && s.alpha > 0, 'path.spike', 'probability in [0, 1], minS > 0, alpha > 0', s);
    }
    for (const o of p.outages ?? []) {
      requireConfig(Number.isFinite(o.atS) && o.durationS >= 0, 'path.outages[]', 'a finite atS and durationS ≥ 0', o);
    }
    // The return leg must never be shorter than zero, whatever the asymmetry.
    requireConfig(p.baseDelayS / 2 + (p.fixedAsymmetryS ?? 0) >= 0, 'path.fixedAsymmetryS', '≥ −baseDelayS/2', p.fixedAsymmetryS);
  }

  /** The next exchange's delays and fate: always seven uniforms, whatever the outcome. */
  draw(): PathDraw {
    const forwardS = this.oneWayS();
    const returnS = this.oneWayS() + (this.params.fixedAsymmetryS ?? 0);
    const lost = this.random.next() < (this.params.lossProbability ?? 0);
    return { forwardS, returnS, lost };
  }

  /** Whether an outage covers `elapsedS` (true seconds after the start). */
  isOut(elapsedS: number): boolean {
    return (this.params.outages ?? []).some((o) => elapsedS >= o.atS && elapsedS < o.atS + o.durationS);
  }

  private oneWayS(): number {
    const p = this.params;
    const queueS = this.random.exponential(p.queueMeanS);
    const spiked = this.random.next() < (p.spike?.probability ?? 0);
    // Drawn whether or not it is used, to keep the count of draws fixed.
    const spikeS = this.random.pareto(p.spike?.minS ?? 1, p.spike?.alpha ?? 1);
    return p.baseDelayS / 2 + queueS + (spiked ? spikeS : 0);
  }
}

function probability(p: number): boolean {
  return Number.isFinite(p) && p >= 0 && p <= 1;
}
