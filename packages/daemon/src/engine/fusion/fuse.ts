import type { Calibrator } from './calibrator';

/** One source's prediction for an instant, before calibration. */
export interface SourcePrediction {
  source: string;
  meanS: number;
  /** What the source itself claims; null when it states no uncertainty. */
  claimedSigmaS: number | null;
}

export interface FusedPrediction {
  meanS: number;
  sigmaS: number;
  /** Normalised weights; 0 for sources left out. */
  weights: Record<string, number>;
  /** The source with the largest weight. */
  dominant: string;
  /** Why each left-out source was left out. */
  excluded: Record<string, string>;
}

export interface FusionRules {
  /** A source whose calibrated σ exceeds this (seconds) gets no weight. */
  maxSigmaS: number;
  /** A source must beat the baseline by this many standard errors (paired) to get weight. */
  betterSigmas: number;
  /** This many consecutive errors beyond `outlierSigmas` σ drop a source until it recovers. */
  outlierRun: number;
  outlierSigmas: number;
  /** The source trusted before any is calibrated: the simple estimator every model must beat. */
  baseline: string;
}

export const DEFAULT_RULES: FusionRules = { maxSigmaS: 0.05, betterSigmas: 3, outlierRun: 3, outlierSigmas: 4, baseline: 'linear' };

/**
 * Calibrated inverse-variance fusion. Each source's σ is its recent RMS error (its
 * claim only until it has been scored); weights are w = 1/σ²; σ_fused = 1/√Σw, but
 * never less than the fusion's own recent RMS error, since the sources' errors share
 * the measurement noise and are not independent. A source that is worse than the best
 * one on recent data, far outside its σ lately, or beyond the threshold gets no weight:
 * predictions that cannot beat the simple estimators are not allowed to blur them.
 */
export function fusePredictions(
  predictions: readonly SourcePrediction[],
  calibrator: Calibrator,
  rules: FusionRules,
  fusedKey = 'fusion',
): FusedPrediction | null {
  const excluded: Record<string, string> = {};
  const candidates: { source: string; meanS: number; sigmaS: number; rmsS: number | null }[] = [];
  for (const p of predictions) {
    if (!Number.isFinite(p.meanS)) {
      excluded[p.source] = 'no prediction';
      continue;
    }
    const rmsS = calibrator.rmsS(p.source);
    const sigmaS = rmsS ?? p.claimedSigmaS;
    if (sigmaS === null || !(sigmaS > 0)) {
      excluded[p.source] = 'not yet calibrated';
      continue;
    }
    if (sigmaS > rules.maxSigmaS) {
      excluded[p.source] = `σ ${sigmaS.toExponential(2)} s over the threshold`;
      continue;
    }
    const recent = calibrator.recent(p.source, rules.outlierRun);
    if (recent.length === rules.outlierRun && recent.every((e) => Math.abs(e) > rules.outlierSigmas * sigmaS)) {
      excluded[p.source] = `last ${rules.outlierRun} errors beyond ${rules.outlierSigmas}σ`;
      continue;
    }
    candidates.push({ source: p.source, meanS: p.meanS, sigmaS, rmsS });
  }
  // The baseline (the simple estimator) always stands; any other source must have been
  // significantly better than it on recent measurements to get weight at all — a paired
  // comparison in which the shared measurement noise cancels.
  const hasBaseline = candidates.some((c) => c.source === rules.baseline);
  const kept = candidates.filter((c) => {
    if (!hasBaseline || c.source === rules.baseline) return true;
    const excess = calibrator.excessMse(c.source, rules.baseline);
    if (excess !== null && excess.meanS2 < -rules.betterSigmas * excess.seS2) return true;
    excluded[c.source] = `not better than ${rules.baseline} on recent measurements`;
    return false;
  });
  if (kept.length === 0) return null;
  let sumW = 0;
  let sumWx = 0;
  for (const c of kept) {
    const w = 1 / (c.sigmaS * c.sigmaS);
    sumW += w;
    sumWx += w * c.meanS;
  }
  const weights: Record<string, number> = {};
  let dominant = kept[0]?.source ?? '';
  let largest = -1;
  for (const p of predictions) weights[p.source] = 0;
  for (const c of kept) {
    const w = 1 / (c.sigmaS * c.sigmaS) / sumW;
    weights[c.source] = w;
    if (w > largest) {
      largest = w;
      dominant = c.source;
    }
  }
  const ownRmsS = calibrator.rmsS(fusedKey) ?? 0;
  return { meanS: sumWx / sumW, sigmaS: Math.max(1 / Math.sqrt(sumW), ownRmsS), weights, dominant, excluded };
}
