import { requireHistory, type AsyncForecaster, type Forecast } from '../forecaster';
import { timeOrdered, type Measurement } from '../measurement';
import type { ModelCard } from './card';
import { decodeOutputRow } from './decode';
import { covariateInputs } from './covariates';
import { prepareContext, type PrepareSpec, type PreparedContext } from './prepare';
import { openModelSession, type ModelSession, type ModelSessionOptions } from './session';

/** One forecast request of a batch. */
export interface ForecastRequest {
  history: readonly Measurement[];
  targetTimesS: readonly number[];
}

/** A forecast request whose context is already prepared (see {@link OnnxForecaster.forecastPrepared}). */
export interface PreparedRequest {
  prep: PreparedContext;
  targetTimesS: readonly number[];
}

/** Registry names are snake case: `chronotick-short` is registered as `chronotick_short`. */
export function canonicalModelName(name: string): string {
  return name.replace(/-/g, '_');
}

// Rows per onnxruntime call when a caller batches: large enough to amortise the call,
// small enough that the tensors stay in cache.
const BATCH_ROWS = 256;

/**
 * An ONNX model as a forecaster. Each call resamples the history onto the model's
 * grid, normalises it as the card says, runs the session and maps the quantiles back
 * to seconds (see {@link prepareContext} and {@link decodeForecast}).
 *
 * History beyond the model's context window is ignored, so callers may pass only the
 * newest `contextSpanS` seconds.
 */
export class OnnxForecaster implements AsyncForecaster {
  readonly name: string;
  readonly mode = 'async' as const;
  readonly card: ModelCard;
  /** Where the card and the model file are. */
  readonly cardPath: string;
  readonly modelPath: string;
  /** Time to load, check and warm up, milliseconds. */
  readonly loadMs: number;
  private readonly model: ModelSession;
  private released = false;

  private constructor(model: ModelSession) {
    this.model = model;
    this.card = model.loaded.card;
    this.cardPath = model.loaded.cardPath;
    this.modelPath = model.loaded.modelPath;
    this.name = canonicalModelName(this.card.name);
    this.loadMs = model.loadMs;
  }

  /** Load a model from its card; errors as {@link openModelSession}. */
  static async load(cardPath: string, options: ModelSessionOptions = {}): Promise<OnnxForecaster> {
    return new OnnxForecaster(await openModelSession(cardPath, options));
  }

  /** Seconds of history the model reads: context length × step. */
  get contextSpanS(): number {
    return this.card.context_length * this.card.step_s;
  }

  /** The card's grid and scaling, as {@link prepareContext} takes them. */
  get prepareSpec(): PrepareSpec {
    return { contextLength: this.card.context_length, stepS: this.card.step_s, scaling: this.card.scaling };
  }

  /** Resample and normalise a history for this model (exposed for tests and benches). */
  prepare(history: readonly Measurement[]): PreparedContext {
    requireHistory(this.name, history);
    const sorted = timeOrdered(history);
    const prep = prepareContext(sorted, this.prepareSpec);
    const covariates = this.card.covariates ?? [];
    if (covariates.length > 0) prep.covariates = covariateInputs(sorted, covariates, this.card.context_length, this.card.step_s);
    return prep;
  }

  async forecast(history: readonly Measurement[], targetTimesS: readonly number[]): Promise<Forecast> {
    const [one] = await this.forecastBatch([{ history, targetTimesS }]);
    return one as Forecast;
  }

  /**
   * Forecast many histories in few onnxruntime calls (the replay evaluation asks for
   * one forecast per measurement). Same answers as calling {@link forecast} on each.
   */
  async forecastBatch(requests: readonly ForecastRequest[]): Promise<Forecast[]> {
    return this.forecastPrepared(requests.map((r) => ({ prep: this.prepare(r.history), targetTimesS: r.targetTimesS })));
  }

  /**
   * Forecast from contexts prepared by the caller, e.g. from cell summaries kept across
   * a replay ({@link GridCells} and {@link prepareFromCells}), so a long replay does not
   * resample the whole context for every measurement.
   */
  async forecastPrepared(requests: readonly PreparedRequest[]): Promise<Forecast[]> {
    const c = this.card.context_length;
    const out: Forecast[] = [];
    const rowsPerCall = Math.min(BATCH_ROWS, this.model.maxBatch);
    for (let start = 0; start < requests.length; start += rowsPerCall) {
      const rows = Math.min(rowsPerCall, requests.length - start);
      const batch = requests.slice(start, start + rows);
      const inputs = [
        batchInput(
          batch.map((r) => r.prep.input),
          c,
        ),
      ];
      (this.card.covariates ?? []).forEach((_, k) => {
        inputs.push(
          batchInput(
            batch.map((r) => r.prep.covariates?.[k] ?? null),
            c,
          ),
        );
      });
      const data = await this.model.run(inputs, rows);
      for (let i = 0; i < rows; i++) {
        const r = requests[start + i] as PreparedRequest;
        out.push({
          model: this.name,
          points: decodeOutputRow(data, this.card, i, r.prep, r.targetTimesS),
          drift: driftOf(r.prep, this.card),
        });
      }
    }
    return out;
  }

  /** Free the session. Later calls fail. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.model.session.release();
  }
}

/**
 * One input tensor's data for a batch: each row's values (null: zeros). A single row
 * that is already a whole tensor's worth (prepare's own array) is used as it is.
 */
function batchInput(rows: readonly (Float32Array | null)[], c: number): Float32Array {
  const one = rows[0];
  if (rows.length === 1 && one && one.length === c && one.byteOffset === 0 && one.buffer.byteLength === 4 * c) return one;
  const out = new Float32Array(rows.length * c);
  rows.forEach((row, i) => {
    if (row) out.set(row, i * c);
  });
  return out;
}

/**
 * The drift the forecast implies: the trend's slope. Its σ is the trend's scatter
 * over the context span, a conservative figure (the model may bend the trend).
 */
function driftOf(prep: PreparedContext, card: ModelCard): Forecast['drift'] {
  if (card.scaling.detrend !== 'resistant_line') return null;
  const spanS = Math.max(prep.availableCells - 1, 1) * card.step_s;
  return {
    rateSPerS: prep.slopeSPerStep / card.step_s,
    sigmaSPerS: (prep.scatterS * Math.sqrt(12 / Math.max(prep.availableCells, 1))) / spanS,
  };
}
