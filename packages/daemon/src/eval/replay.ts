import type { Measurement } from '@chronotick/tsfm';
import { ErrorAccumulator, type MethodReport } from './metrics';
import type { EvalMethod, PredictionRequest } from './methods';

/** Measurements that only warm the methods up and are not scored (docs/EVALUATION.md). */
export const WARMUP_MEASUREMENTS = 8;

/** What a replay found: scored points and each method's report, in method order. */
export interface EvalResult {
  points: number;
  methods: Record<string, MethodReport>;
}

// Scored points per batch: methods see their requests in time order, a batch at a time,
// so ONNX models run a few hundred contexts per onnxruntime call.
const CHUNK = 512;

/** Index of the first measurement at or after `tS` in a time-ordered series (binary search). */
function firstAtOrAfter(series: readonly Measurement[], tS: number, hi: number): number {
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((series[mid] as Measurement).tS < tS) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A request whose `history` (series[lo..index)) is sliced only when a method reads it:
 * a method that keeps its own summaries of the series never pays for the copy, which
 * for an 8-hour context of 1-second measurements is most of a long replay.
 */
function lazyRequest(series: readonly Measurement[], lo: number, index: number, tS: number): PredictionRequest {
  let history: readonly Measurement[] | null = null;
  return {
    tS,
    series,
    index,
    get history(): readonly Measurement[] {
      history ??= series.slice(lo, index);
      return history;
    },
  };
}

/**
 * Replay a time-ordered series in virtual time: measurement i (from the 9th on) is
 * predicted by every method from measurements 0..i−1 only — measurements, never
 * earlier predictions — and its error is taken against `trueOffsetS` when the series
 * knows it (with the method's σ about the truth, if it states one), else against the
 * measured offset (with its σ about the measurement).
 */
export async function replaySeries(
  series: readonly Measurement[],
  methods: readonly EvalMethod[],
  warmup = WARMUP_MEASUREMENTS,
): Promise<EvalResult> {
  const acc = methods.map(() => new ErrorAccumulator());
  for (let start = warmup; start < series.length; start += CHUNK) {
    const end = Math.min(series.length, start + CHUNK);
    for (const [k, method] of methods.entries()) {
      const requests: PredictionRequest[] = [];
      for (let i = start; i < end; i++) {
        const m = series[i] as Measurement;
        let lo = Math.max(0, i - method.historySamples);
        if (Number.isFinite(method.historySpanS))
          lo = Math.max(lo, firstAtOrAfter(series, (series[i - 1] as Measurement).tS - method.historySpanS, i - 1));
        requests.push(lazyRequest(series, lo, i, m.tS));
      }
      const predictions = await method.predict(requests);
      predictions.forEach((p, j) => {
        const m = series[start + j] as Measurement;
        const truth = m.trueOffsetS;
        if (truth === undefined) (acc[k] as ErrorAccumulator).add(p.meanS - m.offsetS, p.sigmaS);
        else (acc[k] as ErrorAccumulator).add(p.meanS - truth, p.truthSigmaS ?? p.sigmaS);
      });
    }
  }
  const out: Record<string, MethodReport> = {};
  methods.forEach((m, k) => {
    out[m.name] = (acc[k] as ErrorAccumulator).report();
  });
  return { points: Math.max(0, series.length - warmup), methods: out };
}
