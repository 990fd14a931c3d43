import { readFileSync } from 'fs';
import type { Config } from '@chronotick/config';
import {
  TsfmError,
  createModelRegistry,
  parseReplayCsv,
  type ForecasterRegistry,
  type Measurement,
  type OnnxForecaster,
} from '@chronotick/tsfm';
import { silentLogger, type Logger } from '../log';
import { forecasterMethod, systemMethod, type EvalMethod } from './methods';
import { replaySeries, type EvalResult } from './replay';
import { servedMethod } from './served-method';

/** The statistical methods every evaluation reports, in output order. */
export const BASELINE_METHODS = ['hold_last', 'linear', 'kalman'] as const;

/** The forecaster sections of the config that name a model. */
type ModelRole = 'short_term' | 'long_term';

/** Options of {@link evaluateSeries}. */
export interface EvaluateOptions {
  /** Registry to build methods from. Default: statistical models plus the shipped ONNX models. */
  registry?: ForecasterRegistry;
  /**
   * Methods appended after the standard ones. The engine's `fusion` method is added
   * here, so the replay runs the daemon's own fusion code in virtual time.
   */
  extraMethods?: readonly EvalMethod[];
}

/**
 * The standard methods: `system`, `hold_last`, `linear`, `kalman`, then one per ONNX
 * model the config enables (short_term, long_term), keyed by the model's snake-case
 * name. A model name that is statistical (e.g. `kalman`) adds nothing: it is already
 * there. Loading is strict: a missing or corrupt model is an error, not a fallback,
 * because an evaluation must score the model it was asked about.
 */
export async function standardMethods(config: Pick<Config, ModelRole>, registry: ForecasterRegistry): Promise<EvalMethod[]> {
  const methods: EvalMethod[] = [systemMethod(), ...BASELINE_METHODS.map((name) => forecasterMethod(registry.create(name)))];
  for (const role of ['short_term', 'long_term'] as const) {
    const section = config[role];
    if (!section.enabled) continue;
    const name = section.model_name;
    if (!registry.needsLoading(name) && !name.endsWith('.json')) {
      if (!methods.some((m) => m.name === name)) methods.push(forecasterMethod(registry.create(name), name));
      continue;
    }
    const forecaster = await registry.load(name, { options: { threads: section.threads }, fallback: null });
    if (!methods.some((m) => m.name === forecaster.name)) methods.push(forecasterMethod(forecaster));
  }
  return methods;
}

/** Replay a parsed series with the standard methods (and any extra ones). */
export async function evaluateSeries(
  series: readonly Measurement[],
  config: Pick<Config, ModelRole>,
  options: EvaluateOptions = {},
): Promise<EvalResult> {
  const registry = options.registry ?? createModelRegistry();
  const methods = [...(await standardMethods(config, registry)), ...(options.extraMethods ?? [])];
  try {
    return await replaySeries(series, methods);
  } finally {
    await releaseAll(registry, config);
  }
}

/**
 * The standard methods and `fusion`: the answer the daemon would serve, from the series
 * replayed through its own pipeline and models in virtual time.
 */
export async function evaluateServed(series: readonly Measurement[], config: Config, logger: Logger = silentLogger): Promise<EvalResult> {
  const registry = createModelRegistry();
  const served = servedMethod(config, registry, logger);
  try {
    return await evaluateSeries(series, config, { registry, extraMethods: [served] });
  } finally {
    await served.release();
  }
}

async function releaseAll(registry: ForecasterRegistry, config: Pick<Config, ModelRole>): Promise<void> {
  for (const role of ['short_term', 'long_term'] as const) {
    const name = config[role].model_name;
    if (!registry.needsLoading(name) && !name.endsWith('.json')) continue;
    const f = (await registry.load(name).catch(() => null)) as OnnxForecaster | null;
    await f?.release?.();
  }
}

/** A replay CSV that cannot be read: exit 2, the message names the line. */
export class ReplayFileError extends Error {
  readonly line: number | null;

  constructor(message: string, line: number | null) {
    super(message);
    this.name = 'ReplayFileError';
    this.line = line;
  }
}

/** Read and parse a replay CSV. @throws ReplayFileError with the file and line. */
export function readReplayFile(path: string): Measurement[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ReplayFileError(`cannot read ${path}: ${(err as Error).message}`, null);
  }
  try {
    return parseReplayCsv(text);
  } catch (err) {
    if (err instanceof TsfmError) {
      const line = (err as TsfmError & { line?: number }).line ?? null;
      throw new ReplayFileError(`${path}: ${err.message}${err.hint === undefined ? '' : ` (${err.hint})`}`, line);
    }
    throw err;
  }
}
