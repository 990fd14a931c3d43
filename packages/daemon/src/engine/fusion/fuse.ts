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
  /** A source worse than the best by more than this many standard errors (paired) gets no weight. */
  worseSigmas: number;
  /** This many consecutive errors beyond `outlierSigmas` σ drop a source until it recovers. */
  outlierRun: number;
  outlierSigmas: number;
  /** The source trusted before any is calibrated: the simple estimator every model must beat. */
  baseline: string;
}

export const DEFAULT_RULES: FusionRules = { maxSigmaS: 0.05, worseSigmas: 1, outlierRun: 3, outlierSigmas: 4, baseline: 'linear' };

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
  // The best source is the one with the smallest recent error; a source that has been
  // significantly worse than it (paired comparison, noise cancels) gets no weight.
  const calibrated = candidates.filter((c) => c.rmsS !== null);
  // Until sources have been scored, only the baseline is trusted: a model's own claim
  // of certainty is exactly what calibration exists to check.
  if (calibrated.length === 0) {
    const baseline = candidates.find((c) => c.source === rules.baseline);
    if (baseline) {
      for (const c of candidates) if (c !== baseline) excluded[c.source] = 'not yet calibrated';
      candidates.splice(0, candidates.length, baseline);
    }
  } else {
    for (let i = candidates.length - 1; i >= 0; i--) {
      const c = candidates[i] as (typeof candidates)[number];
      if (c.rmsS === null) {
        excluded[c.source] = 'not yet calibrated';
        candidates.splice(i, 1);
      }
    }
  }
  const best = calibrated.length > 0 ? calibrated.reduce((a, b) => ((a.rmsS as number) <= (b.rmsS as number) ? a : b)) : null;
  const kept = candidates.filter((c) => {
    if (best === null || c.rmsS === null || c.source === best.source) return true;
    const excess = calibrator.excessMse(c.source, best.source);
    if (excess === null || excess.meanS2 <= rules.worseSigmas * excess.seS2) return true;
    excluded[c.source] = `worse than ${best.source} on recent measurements`;
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
