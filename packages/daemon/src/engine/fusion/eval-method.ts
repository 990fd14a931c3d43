import type { Measurement } from '@chronotick/tsfm';
import type { EvalMethod, Prediction, PredictionRequest } from '../../eval/methods';
import { Calibrator } from './calibrator';
import { DEFAULT_RULES, fusePredictions, type FusionRules, type SourcePrediction } from './fuse';

/** The key fusion's own errors are calibrated under. */
const FUSED = 'fusion';

/**
 * `fusion` for the replay evaluation: the daemon's fusion code (calibrator and
 * fusePredictions) run in virtual time over the component methods. Each request's
 * predictions are scored when the next request's history reveals the measurement at
 * that instant — exactly as the daemon scores them when the measurement arrives.
 */
export function fusionEvalMethod(components: readonly EvalMethod[], rules: FusionRules = DEFAULT_RULES): EvalMethod {
  const calibrator = new Calibrator();
  let pending: { tS: number; predictedS: Record<string, number> } | null = null;
  return {
    name: FUSED,
    historySamples: Math.max(...components.map((c) => c.historySamples)),
    historySpanS: Math.max(...components.map((c) => c.historySpanS)),
    async predict(requests: readonly PredictionRequest[]): Promise<Prediction[]> {
      const perComponent = await Promise.all(
        components.map((c) => c.predict(requests.map((r) => ({ tS: r.tS, history: historyFor(c, r) })))),
      );
      return requests.map((request, k) => {
        const newest = request.history[request.history.length - 1];
        if (pending && newest && newest.tS === pending.tS) {
          const before = request.history[request.history.length - 2];
          const measured = { tS: newest.tS, offsetS: newest.offsetS, delayS: newest.delayS, server: newest.server ?? '' };
          calibrator.score(measured, pending.predictedS, before === undefined ? 0 : newest.tS - before.tS);
        }
        const predictions = components.map((c, i) => {
          const p = perComponent[i]?.[k];
          return { source: c.name, meanS: p?.meanS ?? NaN, claimedSigmaS: p?.sigmaS ?? null };
        });
        const fused = fusePredictions(predictions, calibrator.assess(rules.baseline), rules, FUSED);
        const answer: Prediction = fused
          ? { meanS: fused.meanS, sigmaS: fused.measurementSigmaS, truthSigmaS: fused.sigmaS }
          : fallback(predictions, rules.baseline);
        const predictedS = Object.fromEntries(predictions.map((p) => [p.source, p.meanS]));
        predictedS[FUSED] = answer.meanS;
        pending = { tS: request.tS, predictedS };
        return answer;
      });
    },
  };
}

/** The history a component would have been given by the replay on its own. */
function historyFor(method: EvalMethod, request: PredictionRequest): readonly Measurement[] {
  let history = request.history;
  if (Number.isFinite(method.historySamples)) history = history.slice(-method.historySamples);
  if (Number.isFinite(method.historySpanS)) {
    const fromS = request.tS - method.historySpanS;
    const first = history.findIndex((m) => m.tS >= fromS);
    history = first < 0 ? [] : history.slice(first);
  }
  return history;
}

/** When no source qualifies: the baseline (else the first with a prediction), on its own claim. */
function fallback(predictions: readonly SourcePrediction[], baseline: string): Prediction {
  const usable = predictions.filter((q) => Number.isFinite(q.meanS));
  const p = usable.find((q) => q.source === baseline) ?? usable[0];
  return { meanS: p?.meanS ?? 0, sigmaS: p?.claimedSigmaS ?? null };
}
