import { createHash } from 'crypto';
import { readFileSync } from 'fs';
// Before onnxruntime-node: its native runtime reads the switch when it loads.
import './telemetry-off';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelFileError, TsfmError } from '../errors';
import { readModelCard, type LoadedCard, type ModelCard } from './card';

/** Options of {@link openModelSession}. */
export interface ModelSessionOptions {
  /** onnxruntime intra-op threads (the config's `threads`). Default 1, right on a 2-core host. */
  threads?: number;
}

/** An open ONNX model: its card, its one session, and how long loading took. */
export interface ModelSession {
  loaded: LoadedCard;
  session: InferenceSession;
  /** Largest batch the graph accepts: 1 when the card fixes the batch dimension. */
  maxBatch: number;
  /** Card read, checksum, session creation and warm-up, milliseconds. */
  loadMs: number;
  /**
   * Run a batch: the contexts (row-major, `rows × context_length`), then each covariate
   * input the card declares, shaped alike; returns the first output's data.
   */
  run(inputs: readonly Float32Array[], rows: number): Promise<Float32Array>;
}

function inputDims(card: ModelCard, rows: number): number[] {
  const shape = card.inputs[0]?.shape ?? [];
  return shape.length === 3 ? [rows, card.context_length, 1] : [rows, card.context_length];
}

function expectedOutputLength(card: ModelCard, rows: number): number {
  const layout = card.outputs[0]?.layout;
  return rows * card.horizon * (layout === 'batch_horizon' ? 1 : card.quantile_levels.length);
}

/**
 * Open the model a card describes: check the file's sha256 against the card, create
 * one InferenceSession (CPU, `threads` intra-op threads, sequential), check the graph
 * has the card's input and output, and run it once on a blank context so the first
 * real forecast does not pay for lazy initialisation.
 *
 * @throws ModelFileError with a stable code and the path of the file at fault:
 *   `TSFM_MODEL_MISSING` (card or model file unreadable), `TSFM_CARD_INVALID`,
 *   `TSFM_MODEL_CHECKSUM` (sha256 differs), `TSFM_MODEL_CORRUPT` (onnxruntime refuses
 *   the file), `TSFM_MODEL_SIGNATURE` (names or shapes differ from the card).
 */
export async function openModelSession(cardPath: string, options: ModelSessionOptions = {}): Promise<ModelSession> {
  const started = process.hrtime.bigint();
  const loaded = readModelCard(cardPath);
  const { card, modelPath } = loaded;
  let bytes: Buffer;
  try {
    bytes = readFileSync(modelPath);
  } catch (err) {
    throw new ModelFileError(
      'TSFM_MODEL_MISSING',
      modelPath,
      `cannot read model file: ${(err as Error).message}`,
      `restore the file named by "file" in ${cardPath}, or reinstall @chronotick/tsfm`,
    );
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== card.sha256) {
    throw new ModelFileError(
      'TSFM_MODEL_CHECKSUM',
      modelPath,
      `model file sha256 ${digest} does not match its card (${card.sha256})`,
      `the file was changed or truncated: restore it; for a model you exported yourself, put the output of \`sha256sum ${modelPath}\` in the card`,
    );
  }
  const threads = options.threads ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1))
    throw new TsfmError('TSFM_BAD_OPTIONS', `threads must be a positive integer, got ${threads}`);
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (err) {
    throw new ModelFileError(
      'TSFM_MODEL_CORRUPT',
      modelPath,
      `onnxruntime cannot load the model: ${(err as Error).message}`,
      'the file is not a valid ONNX model for this onnxruntime (opset ≤ 21); re-export or restore it',
    );
  }
  const inputNames = card.inputs.map((t) => t.name);
  const outputName = card.outputs[0]?.name ?? '';
  const inputsMatch = session.inputNames.length === inputNames.length && inputNames.every((n) => session.inputNames.includes(n));
  if (!inputsMatch || !session.outputNames.includes(outputName)) {
    await session.release();
    throw new ModelFileError(
      'TSFM_MODEL_SIGNATURE',
      modelPath,
      `graph inputs [${session.inputNames.join(', ')}] / outputs [${session.outputNames.join(', ')}] do not match the card (inputs ${inputNames.join(', ')}, output ${outputName})`,
      `fix "inputs"/"outputs" in ${cardPath}`,
    );
  }
  const maxBatch = typeof card.inputs[0]?.shape[0] === 'number' ? (card.inputs[0].shape[0] as number) : Number.POSITIVE_INFINITY;

  const run = async (inputs: readonly Float32Array[], rows: number): Promise<Float32Array> => {
    let out;
    try {
      const dims = inputDims(card, rows);
      const feeds: Record<string, Tensor> = {};
      inputNames.forEach((name, i) => {
        feeds[name] = new Tensor('float32', inputs[i] ?? new Float32Array(rows * card.context_length), dims);
      });
      const result = await session.run(feeds, [outputName]);
      out = result[outputName];
    } catch (err) {
      throw new TsfmError(
        'TSFM_INFERENCE_FAILED',
        `model ${card.name} failed to run: ${(err as Error).message}`,
        `check the shapes in ${cardPath} against the graph`,
      );
    }
    const data = out?.data;
    if (out?.type !== 'float32' || !ArrayBuffer.isView(data) || (data as Float32Array).length !== expectedOutputLength(card, rows)) {
      throw new ModelFileError(
        'TSFM_MODEL_SIGNATURE',
        modelPath,
        `output ${outputName} has ${out?.type === 'float32' && ArrayBuffer.isView(data) ? `${(data as Float32Array).length} float32 values` : `type ${out?.type ?? 'none'}`} (dims [${out?.dims.join(', ') ?? ''}]), the card implies ${expectedOutputLength(card, rows)}`,
        `fix "outputs", "horizon" or "quantile_levels" in ${cardPath}`,
      );
    }
    return data as Float32Array;
  };

  try {
    await run([], 1);
  } catch (err) {
    await session.release();
    throw err;
  }
  const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { loaded, session, maxBatch, loadMs, run };
}
