/**
 * Falseticker rejection and combination of one round's samples. A sample says
 * "the true offset lies in [θ−λ, θ+λ]"; a set of honest servers must share a
 * common point, so the largest set of intervals with a common point (Marzullo's
 * algorithm, the core of NTP's clock-select) is taken as the truechimers when
 * it is a strict majority. Survivors are combined with weights 1/λ².
 */
import type { LeapIndicator } from './packet';

export interface SelectionInput {
  server: string;
  offsetS: number;
  /** λ: half-width of the sample's interval (its uncertainty). */
  uncertaintyS: number;
  leap: LeapIndicator;
}

export type SelectionMethod = 'intersection' | 'median';

export interface CombinedOffset {
  ok: true;
  offsetS: number;
  /**
   * sqrt(1/Σw + weighted variance of the survivors about the mean). The first
   * term alone treats the λ as independent errors and would shrink without
   * bound as servers are added; the spread term keeps the figure honest when
   * survivors agree less well than their λ claim.
   */
  uncertaintyS: number;
  method: SelectionMethod;
  survivors: string[];
  falsetickers: string[];
  /** Normalised weights, zero for falsetickers. */
  weights: Record<string, number>;
  /** The leap the survivors announce; null when they disagree (see leapConflict). */
  leap: LeapIndicator | null;
  /** Survivors disagree about an upcoming leap second: do not act on any of them. */
  leapConflict: boolean;
  /** How many survivors announce each leap indicator. */
  leapVotes: Partial<Record<LeapIndicator, number>>;
}

export type SelectionResult = CombinedOffset | { ok: false; reason: 'no_samples' };

/** Smallest λ used, so a sample claiming zero uncertainty cannot take infinite weight. */
export const MIN_UNCERTAINTY_S = 1e-6;

interface Region {
  lowS: number;
  highS: number;
  count: number;
}

/**
 * The region covered by the most intervals (ties: the first from below).
 * Endpoints are swept in order; at equal positions, starts come before ends so
 * intervals that merely touch still count as sharing a point.
 */
function densestRegion(samples: readonly SelectionInput[]): Region {
  const edges: { x: number; delta: 1 | -1 }[] = [];
  for (const s of samples) {
    const lambda = Math.max(s.uncertaintyS, MIN_UNCERTAINTY_S);
    edges.push({ x: s.offsetS - lambda, delta: 1 }, { x: s.offsetS + lambda, delta: -1 });
  }
  edges.sort((a, b) => a.x - b.x || b.delta - a.delta);
  let count = 0;
  let best: Region = { lowS: 0, highS: 0, count: 0 };
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    if (!e) continue;
    count += e.delta;
    if (e.delta === 1 && count > best.count) {
      const next = edges[i + 1];
      best = { lowS: e.x, highS: next ? next.x : e.x, count };
    }
  }
  return best;
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? 0) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

/**
 * Without a majority that shares a point, fall back to the median: keep the
 * samples whose interval contains the median offset, or else the one closest
 * to it (the tighter one on a tie, as with two servers that disagree).
 */
function medianSurvivors(samples: readonly SelectionInput[]): SelectionInput[] {
  const m = median(samples.map((s) => s.offsetS));
  const lam = (s: SelectionInput): number => Math.max(s.uncertaintyS, MIN_UNCERTAINTY_S);
  const containing = samples.filter((s) => Math.abs(s.offsetS - m) <= lam(s));
  if (containing.length > 0) return containing;
  const closest = [...samples].sort((a, b) => Math.abs(a.offsetS - m) - Math.abs(b.offsetS - m) || lam(a) - lam(b))[0];
  return closest ? [closest] : [];
}

/** Select truechimers among one round's samples and combine them. */
export function selectAndCombine(samples: readonly SelectionInput[]): SelectionResult {
  if (samples.length === 0) return { ok: false, reason: 'no_samples' };
  const region = densestRegion(samples);
  let method: SelectionMethod = 'intersection';
  let survivors: SelectionInput[];
  if (region.count * 2 > samples.length) {
    survivors = samples.filter((s) => {
      const lambda = Math.max(s.uncertaintyS, MIN_UNCERTAINTY_S);
      return s.offsetS - lambda <= region.lowS && s.offsetS + lambda >= region.highS;
    });
  } else {
    method = 'median';
    survivors = medianSurvivors(samples);
  }

  let sumW = 0;
  let sumWx = 0;
  for (const s of survivors) {
    const w = 1 / Math.max(s.uncertaintyS, MIN_UNCERTAINTY_S) ** 2;
    sumW += w;
    sumWx += w * s.offsetS;
  }
  const offsetS = sumWx / sumW;
  let sumWd2 = 0;
  const weights: Record<string, number> = {};
  for (const s of samples) weights[s.server] = 0;
  for (const s of survivors) {
    const w = 1 / Math.max(s.uncertaintyS, MIN_UNCERTAINTY_S) ** 2;
    sumWd2 += w * (s.offsetS - offsetS) ** 2;
    weights[s.server] = (weights[s.server] ?? 0) + w / sumW;
  }
  let uncertaintyS = Math.sqrt(1 / sumW + sumWd2 / sumW);
  if (method === 'median') {
    // The servers disagree and we cannot tell who is right: the answer is no
    // more certain than the typical distance between it and all the samples.
    const mad = median(samples.map((x) => Math.abs(x.offsetS - offsetS)));
    uncertaintyS = Math.max(uncertaintyS, mad);
  }

  const leapVotes: Partial<Record<LeapIndicator, number>> = {};
  for (const s of survivors) leapVotes[s.leap] = (leapVotes[s.leap] ?? 0) + 1;
  const announced = Object.keys(leapVotes).map((k) => Number(k) as LeapIndicator);
  const leapConflict = announced.length > 1;

  const survivorSet = new Set(survivors);
  return {
    ok: true,
    offsetS,
    uncertaintyS,
    method,
    survivors: survivors.map((s) => s.server),
    falsetickers: samples.filter((s) => !survivorSet.has(s)).map((s) => s.server),
    weights,
    leap: leapConflict ? null : (announced[0] ?? 0),
    leapConflict,
    leapVotes,
  };
}
