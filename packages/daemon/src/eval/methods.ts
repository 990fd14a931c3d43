import {
  GridCells,
  prepareFromCells,
  type AsyncForecaster,
  type Forecaster,
  type Measurement,
  type OnnxForecaster,
} from '@chronotick/tsfm';

/** One prediction of the replay: the expected offset and its σ (null: no uncertainty). */
export interface Prediction {
  meanS: number;
  /** σ about the next measurement, its noise included (what a recorded series can check). */
  sigmaS: number | null;
  /**
   * σ about the true offset, when the method states it apart from the measurement
   * noise (fusion does); a synthetic series, which knows the truth, scores this one.
   */
  truthSigmaS?: number;
}

/** A prediction to make: the offset at `tS` from `history` (measurements strictly before it). */
export interface PredictionRequest {
  history: readonly Measurement[];
  tS: number;
  /**
   * Where `history` comes from, when the replay knows: it ends just before
   * `series[index]`. Methods that keep summaries across a replay read the series
   * directly (the replay builds `history` only when a method reads it).
   */
  series?: readonly Measurement[];
  index?: number;
}

/**
 * A method of the replay evaluation. `predict` gets a batch of requests in time order
 * and answers each; methods that keep state across the replay (fusion will calibrate
 * each source on its past errors) may rely on that order. This is the hook for
 * `fusion`: the engine work adds a method built from the daemon's fusion code, with
 * the key `fusion`, through `evaluateSeries`'s `extraMethods`.
 */
export interface EvalMethod {
  /** Key in the output, snake case. */
  name: string;
  /** Newest measurements the method reads; the replay passes no more (keeps long replays linear). */
  historySamples: number;
  /** Newest seconds of history the method reads (before the predicted instant); Infinity for all. */
  historySpanS: number;
  predict(requests: readonly PredictionRequest[]): Promise<Prediction[]>;
}

/** `system`: the uncorrected host clock, offset 0, no uncertainty. */
export function systemMethod(): EvalMethod {
  return {
    name: 'system',
    historySamples: 0,
    historySpanS: 0,
    predict: async (requests) => requests.map(() => ({ meanS: 0, sigmaS: null })),
  };
}

// The statistical forecasters read at most their newest 256 samples (Kalman's window,
// the largest), so this window gives the same answers as the whole history; one that
// states a smaller window (the linear fit's 64) gets only that.
const STATISTICAL_HISTORY = 256;

/** A registry forecaster as a method, sync or async. */
export function forecasterMethod(forecaster: Forecaster, name: string = forecaster.name): EvalMethod {
  if (forecaster.mode === 'sync') {
    return {
      name,
      historySamples: Math.min(STATISTICAL_HISTORY, forecaster.historySamples ?? STATISTICAL_HISTORY),
      historySpanS: Infinity,
      predict: async (requests) =>
        requests.map((r) => {
          const p = forecaster.forecast(r.history, [r.tS]).points[0];
          return { meanS: p?.meanS ?? NaN, sigmaS: p?.sigmaS ?? null };
        }),
    };
  }
  return asyncMethod(forecaster, name);
}

function isOnnx(f: AsyncForecaster): f is OnnxForecaster {
  return typeof (f as Partial<OnnxForecaster>).forecastBatch === 'function';
}

function asyncMethod(forecaster: AsyncForecaster, name: string): EvalMethod {
  if (isOnnx(forecaster)) return onnxMethod(forecaster, name);
  return {
    name,
    historySamples: Number.POSITIVE_INFINITY,
    historySpanS: Infinity,
    predict: async (requests) => {
      const out: Prediction[] = [];
      for (const r of requests) {
        const p = (await forecaster.forecast(r.history, [r.tS])).points[0];
        out.push({ meanS: p?.meanS ?? NaN, sigmaS: p?.sigmaS ?? null });
      }
      return out;
    },
  };
}

/**
 * An ONNX model as a method. The grid's cells are fixed in host time, so across a
 * replay each cell is summarised once ({@link GridCells}) and each prediction costs
 * the context's cells rather than every measurement in the context; the answers are
 * those of {@link OnnxForecaster.forecastBatch} on the same histories. Requests
 * without their series (another caller), and models with covariate inputs, take the
 * ordinary path.
 */
function onnxMethod(forecaster: OnnxForecaster, name: string): EvalMethod {
  const spec = forecaster.prepareSpec;
  let cells: GridCells | null = null;
  let fedFrom: readonly Measurement[] | null = null;
  let fed = 0;
  const prepared = (r: PredictionRequest): ReturnType<typeof prepareFromCells> | null => {
    const { series, index } = r;
    // The cell summaries carry offsets only: a model with covariate inputs prepares each history whole.
    if ((forecaster.card.covariates ?? []).length > 0) return null;
    if (series === undefined || index === undefined || index < 1) return null;
    if (cells === null || fedFrom !== series || index < fed) {
      cells = new GridCells(spec.stepS);
      fedFrom = series;
      fed = 0;
    }
    for (; fed < index; fed++) cells.add(series[fed] as Measurement);
    return prepareFromCells(cells.context(spec.contextLength), cells.newestTimeS, spec);
  };
  return {
    name,
    historySamples: Number.POSITIVE_INFINITY,
    historySpanS: forecaster.contextSpanS,
    predict: async (requests) => {
      const preps = requests.map((r) => prepared(r) ?? forecaster.prepare(r.history));
      const out = await forecaster.forecastPrepared(
        preps.map((prep, j) => ({ prep, targetTimesS: [(requests[j] as PredictionRequest).tS] })),
      );
      return out.map((f) => ({ meanS: f.points[0]?.meanS ?? NaN, sigmaS: f.points[0]?.sigmaS ?? null }));
    },
  };
}
