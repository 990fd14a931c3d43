import { readFileSync } from 'fs';
import { dirname, isAbsolute, resolve } from 'path';
import { ModelFileError } from '../errors';

/** A tensor dimension: a fixed size, or a symbolic name (`"batch"`) for a dynamic one. */
export type CardDim = number | string;

/** One input or output tensor of the ONNX graph, as the card declares it. */
export interface CardTensor {
  name: string;
  /** Only float32 is supported: every exported forecaster we know of uses it. */
  dtype: 'float32';
  shape: CardDim[];
  /**
   * Outputs only. `batch_quantile_horizon` ([B, Q, H], Chronos-Bolt's layout),
   * `batch_horizon_quantile` ([B, H, Q]) or `batch_horizon` (a point forecast, [B, H]
   * or [B, H, 1], TTM's layout, with `quantile_levels` [0.5]).
   */
  layout?: OutputLayout;
}

/** How the output tensor is laid out. */
export type OutputLayout = 'batch_quantile_horizon' | 'batch_horizon_quantile' | 'batch_horizon';

/**
 * What the runner does to the context before the model sees it, and undoes after.
 * A foundation model that normalises internally (Chronos-Bolt, TTM) takes `none`/`none`.
 */
export interface CardScaling {
  /** `resistant_line`: subtract Tukey's resistant line fitted over the context; `none`: raw offsets. */
  detrend: 'resistant_line' | 'none';
  /** `residual_mad`: divide by 1.4826·MAD of the (detrended) context; `none`: seconds as they are. */
  scale: 'residual_mad' | 'none';
  /** Floor of the scale, seconds. Default 1e-6. */
  min_scale_s?: number;
  /** Clip scaled inputs to ±clip; null or absent: no clipping. */
  clip?: number | null;
  /** Context cells before the first measurement: `nan` (the model masks them) or `zero`. */
  missing: 'nan' | 'zero';
  /**
   * Calibration: each quantile's distance from the median is multiplied by this at
   * decode (default 1), fitted so the nominal intervals cover what they claim on
   * held-out data.
   */
  spread_scale?: number;
}

/**
 * A covariate the model reads beside the offsets: a measurement covariate (the key in
 * `Measurement.covariates`, e.g. `temperature_c`) resampled onto the context's grid
 * and fed to its own graph input, shaped as the context. Each cell holds the mean of
 * its measurements' readings, empty cells are interpolated (held beyond the ends), and
 * the values are taken relative to the newest reading and divided by `scale`: the
 * model sees how the covariate moved up to now. With no reading at all the input is 0
 * throughout (the covariate held where it is), so a host without the sensor still
 * gets a forecast.
 */
export interface CardCovariate {
  /** The measurement covariate's key. */
  name: string;
  /** The graph input it feeds; listed in `inputs` after the context. */
  input: string;
  /** Covariate units per model unit (°C for a temperature). */
  scale: number;
}

/**
 * The model card that sits beside every `.onnx` file (JSON, `<name>.card.json`): what
 * the graph expects and returns, how to prepare its input, and where it came from.
 * Keys are snake case, as in the file.
 */
export interface ModelCard {
  card_version: 1;
  /** Registry name, e.g. `chronotick-short` (registered as `chronotick_short`). */
  name: string;
  description?: string;
  /** The ONNX file, relative to the card's folder (or absolute). */
  file: string;
  /** Hex sha256 of the ONNX file, checked at load. */
  sha256: string;
  /**
   * The context first, [batch, context_length] or [batch, context_length, 1]; then one
   * input per covariate, shaped as the context.
   */
  inputs: CardTensor[];
  /** Covariate inputs, in the order of `inputs[1..]`; absent or empty: the context alone. */
  covariates?: CardCovariate[];
  /** The first output is decoded; others are ignored. */
  outputs: CardTensor[];
  context_length: number;
  horizon: number;
  /** Horizon step index of the first output column: 1 when the model predicts from one step ahead. */
  first_step: number;
  /** Seconds between grid points, context and horizon alike. */
  step_s: number;
  /** Sorted levels in (0, 1) of the quantile axis. */
  quantile_levels: number[];
  scaling: CardScaling;
  /** What the training data looked like, free-form. */
  training?: unknown;
  /** Evaluation figures (replay MAE etc.), free-form. */
  evaluation?: unknown;
  [extra: string]: unknown;
}

/** A validated card and where its files are. */
export interface LoadedCard {
  card: ModelCard;
  cardPath: string;
  /** Absolute path of the ONNX file. */
  modelPath: string;
}

const HINT = 'fix the model card; packages/tsfm/README.md lists every field';

function invalid(path: string, field: string, problem: string): ModelFileError {
  return new ModelFileError('TSFM_CARD_INVALID', path, `model card field "${field}" ${problem}`, HINT);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(path: string, raw: Record<string, unknown>, field: string, min = 1): number {
  const v = raw[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw invalid(path, field, `must be an integer ≥ ${min}`);
  return v;
}

function tensor(path: string, v: unknown, field: string, output: boolean): CardTensor {
  if (!isObject(v)) throw invalid(path, field, 'must be an object {name, dtype, shape}');
  if (typeof v.name !== 'string' || v.name === '') throw invalid(path, `${field}.name`, 'must be a non-empty string');
  if (v.dtype !== 'float32') throw invalid(path, `${field}.dtype`, 'must be "float32"');
  const shape = v.shape;
  if (!Array.isArray(shape) || shape.some((d) => !(typeof d === 'string' || (typeof d === 'number' && Number.isInteger(d) && d > 0)))) {
    throw invalid(path, `${field}.shape`, 'must be an array of positive integers or dimension names');
  }
  const out: CardTensor = { name: v.name, dtype: 'float32', shape: shape as CardDim[] };
  if (output) {
    const layout = v.layout ?? 'batch_quantile_horizon';
    if (layout !== 'batch_quantile_horizon' && layout !== 'batch_horizon_quantile' && layout !== 'batch_horizon') {
      throw invalid(path, `${field}.layout`, 'must be batch_quantile_horizon, batch_horizon_quantile or batch_horizon');
    }
    out.layout = layout;
  }
  return out;
}

/** The card's covariates, checked: names unique, inputs unique and not the context's. */
function cardCovariates(path: string, raw: unknown): CardCovariate[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalid(path, 'covariates', 'must be a list of {name, input, scale}');
  const out = raw.map((c: unknown, i): CardCovariate => {
    const field = `covariates[${i}]`;
    if (!isObject(c)) throw invalid(path, field, 'must be an object {name, input, scale}');
    if (typeof c.name !== 'string' || c.name === '')
      throw invalid(path, `${field}.name`, 'must name a measurement covariate, e.g. "temperature_c"');
    if (typeof c.input !== 'string' || c.input === '') throw invalid(path, `${field}.input`, 'must name the graph input it feeds');
    if (typeof c.scale !== 'number' || !(c.scale > 0) || !Number.isFinite(c.scale)) {
      throw invalid(path, `${field}.scale`, 'must be a positive number (covariate units per model unit)');
    }
    return { name: c.name, input: c.input, scale: c.scale };
  });
  const names = out.map((c) => c.name);
  const fed = out.map((c) => c.input);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) throw invalid(path, `covariates[${i}].name`, `repeats "${n}"`);
    if (fed.indexOf(fed[i] as string) !== i) throw invalid(path, `covariates[${i}].input`, `repeats "${fed[i] ?? ''}"`);
  });
  return out;
}

/** The dimension a shape entry must equal, or null when it is symbolic. */
function fixedDim(d: CardDim | undefined): number | null {
  return typeof d === 'number' ? d : null;
}

/**
 * Check a parsed card against the schema above and against itself (shapes agree with
 * context length, horizon and quantile count). `cardPath` is used for messages and
 * to resolve `file`.
 * @throws ModelFileError `TSFM_CARD_INVALID` naming the field.
 */
export function validateModelCard(raw: unknown, cardPath: string): LoadedCard {
  const path = cardPath;
  if (!isObject(raw)) throw invalid(path, '(root)', 'must be a JSON object');
  if (raw.card_version !== 1) throw invalid(path, 'card_version', 'must be 1');
  if (typeof raw.name !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(raw.name)) {
    throw invalid(path, 'name', 'must be lower case letters, digits, "-" and "_", starting with a letter');
  }
  if (typeof raw.file !== 'string' || raw.file === '') throw invalid(path, 'file', 'must name the .onnx file');
  if (typeof raw.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(raw.sha256))
    throw invalid(path, 'sha256', 'must be 64 lower-case hex digits');
  const contextLength = positiveInt(path, raw, 'context_length');
  const horizon = positiveInt(path, raw, 'horizon');
  const firstStep = raw.first_step === undefined ? 1 : positiveInt(path, raw, 'first_step', 0);
  if (typeof raw.step_s !== 'number' || !(raw.step_s > 0) || !Number.isFinite(raw.step_s))
    throw invalid(path, 'step_s', 'must be a positive number of seconds');
  const levels = raw.quantile_levels;
  if (
    !Array.isArray(levels) ||
    levels.length === 0 ||
    levels.some((l, i) => typeof l !== 'number' || !(l > 0 && l < 1) || (i > 0 && !(l > (levels[i - 1] as number))))
  ) {
    throw invalid(path, 'quantile_levels', 'must be a non-empty, strictly increasing list of levels in (0, 1)');
  }
  const covariates = cardCovariates(path, raw.covariates);
  if (!Array.isArray(raw.inputs) || raw.inputs.length !== 1 + covariates.length) {
    throw invalid(path, 'inputs', `must list ${1 + covariates.length} input(s): the context, then one per covariate`);
  }
  if (!Array.isArray(raw.outputs) || raw.outputs.length < 1) throw invalid(path, 'outputs', 'must list at least one output');
  const inputs = raw.inputs.map((t, i) => tensor(path, t, `inputs[${i}]`, false));
  const input = inputs[0] as CardTensor;
  const outputs = raw.outputs.map((o, i) => tensor(path, o, `outputs[${i}]`, true));
  const output = outputs[0] as CardTensor;

  const inShape = input.shape;
  if (!(inShape.length === 2 || (inShape.length === 3 && inShape[2] === 1)) || fixedDim(inShape[1]) !== contextLength) {
    throw invalid(path, 'inputs[0].shape', `must be [batch, ${contextLength}] or [batch, ${contextLength}, 1]`);
  }
  covariates.forEach((c, i) => {
    const fed = inputs[i + 1] as CardTensor;
    if (c.input === input.name) throw invalid(path, `covariates[${i}].input`, `cannot be the context's input "${input.name}"`);
    if (fed.name !== c.input) throw invalid(path, `inputs[${i + 1}].name`, `must be "${c.input}", the input of covariates[${i}]`);
    if (fed.shape.length !== inShape.length || fed.shape.some((d, k) => k > 0 && d !== inShape[k])) {
      throw invalid(path, `inputs[${i + 1}].shape`, `must be the context's shape, [batch, ${inShape.slice(1).join(', ')}]`);
    }
  });
  const q = (levels as number[]).length;
  const outShape = output.shape;
  const expected =
    output.layout === 'batch_quantile_horizon' ? [q, horizon] : output.layout === 'batch_horizon_quantile' ? [horizon, q] : [horizon];
  const dimsOk =
    output.layout === 'batch_horizon'
      ? (outShape.length === 2 || (outShape.length === 3 && outShape[2] === 1)) && fixedDim(outShape[1]) === horizon
      : outShape.length === 3 && fixedDim(outShape[1]) === expected[0] && fixedDim(outShape[2]) === expected[1];
  if (!dimsOk) throw invalid(path, 'outputs[0].shape', `must be [batch, ${expected.join(', ')}] for layout ${output.layout}`);
  if (output.layout === 'batch_horizon' && !(q === 1 && levels[0] === 0.5)) {
    throw invalid(path, 'quantile_levels', 'must be [0.5] for a point forecast (layout batch_horizon)');
  }

  const s = raw.scaling;
  if (!isObject(s)) throw invalid(path, 'scaling', 'must be an object {detrend, scale, missing}');
  if (s.detrend !== 'resistant_line' && s.detrend !== 'none') throw invalid(path, 'scaling.detrend', 'must be "resistant_line" or "none"');
  if (s.scale !== 'residual_mad' && s.scale !== 'none') throw invalid(path, 'scaling.scale', 'must be "residual_mad" or "none"');
  if (s.missing !== 'nan' && s.missing !== 'zero') throw invalid(path, 'scaling.missing', 'must be "nan" or "zero"');
  if (s.min_scale_s !== undefined && !(typeof s.min_scale_s === 'number' && s.min_scale_s > 0))
    throw invalid(path, 'scaling.min_scale_s', 'must be a positive number');
  if (s.clip !== undefined && s.clip !== null && !(typeof s.clip === 'number' && s.clip > 0))
    throw invalid(path, 'scaling.clip', 'must be a positive number or null');
  if (s.spread_scale !== undefined && !(typeof s.spread_scale === 'number' && s.spread_scale > 0 && Number.isFinite(s.spread_scale)))
    throw invalid(path, 'scaling.spread_scale', 'must be a positive number');

  const card = { ...raw, first_step: firstStep, inputs, outputs, covariates } as unknown as ModelCard;
  const modelPath = isAbsolute(card.file) ? card.file : resolve(dirname(cardPath), card.file);
  return { card, cardPath: resolve(cardPath), modelPath };
}

/**
 * Read and validate a card file.
 * @throws ModelFileError `TSFM_MODEL_MISSING` when the card cannot be read,
 *   `TSFM_CARD_INVALID` when it is not JSON or not a valid card.
 */
export function readModelCard(cardPath: string): LoadedCard {
  let text: string;
  try {
    text = readFileSync(cardPath, 'utf8');
  } catch (err) {
    throw new ModelFileError(
      'TSFM_MODEL_MISSING',
      cardPath,
      `cannot read model card: ${(err as Error).message}`,
      'check the path in model_name, or reinstall @chronotick/tsfm for the shipped models',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError('TSFM_CARD_INVALID', cardPath, `model card is not valid JSON: ${(err as Error).message}`, HINT);
  }
  return validateModelCard(raw, cardPath);
}
