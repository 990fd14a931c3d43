import { resolve } from 'path';
import { createDefaultRegistry, registerOnnxCard, type ForecasterRegistry } from '../registry';

/** The folder of the shipped models and their cards (packages/tsfm/models). */
export const SHIPPED_MODELS_DIR = resolve(__dirname, '../../models');

/**
 * The models @chronotick/tsfm ships, by config name (`short_term.model_name` and
 * `long_term.model_name` default to these), each with its card file name.
 */
export const SHIPPED_MODELS = {
  'chronotick-short': 'chronotick-short.card.json',
  'chronotick-long': 'chronotick-long.card.json',
  'chronotick-thermal': 'chronotick-thermal.card.json',
} as const;

/** A shipped model's config name. */
export type ShippedModelName = keyof typeof SHIPPED_MODELS;

/** Path of a shipped model's card, in `dir` (default {@link SHIPPED_MODELS_DIR}). */
export function shippedCardPath(name: ShippedModelName, dir: string = SHIPPED_MODELS_DIR): string {
  return resolve(dir, SHIPPED_MODELS[name]);
}

/**
 * The default registry plus the shipped ONNX models (`chronotick_short`,
 * `chronotick_long`, `chronotick_thermal`), loaded on first {@link ForecasterRegistry.load}. `modelsDir`
 * replaces the shipped folder (tests use a damaged copy).
 */
export function createModelRegistry(options: { modelsDir?: string } = {}): ForecasterRegistry {
  const registry = createDefaultRegistry();
  for (const name of Object.keys(SHIPPED_MODELS) as ShippedModelName[]) {
    registerOnnxCard(registry, name, shippedCardPath(name, options.modelsDir));
  }
  return registry;
}
