import { TsfmError } from './errors';
import type { Forecaster } from './forecaster';
import { canonicalModelName as canonicalName, OnnxForecaster } from './onnx/forecaster';
import { createHoldLastForecaster, createMedianForecaster } from './statistical/hold-last';
import { createKalmanForecaster, type KalmanOptions } from './statistical/kalman';
import { createLinearForecaster, type LinearFitOptions } from './statistical/linear';
import { createResidualArForecaster, type ResidualArOptions } from './statistical/residual-ar';

/**
 * Loads a forecaster that needs I/O first (an ONNX model: card, checksum, session).
 * Options are the config's model section (`threads`, ...).
 */
export type ForecasterLoader = (options: Record<string, unknown>) => Promise<Forecaster>;

/** A statistical model a failed load may fall back to. */
export type FallbackModel = (typeof STATISTICAL_MODELS)[number];

/** Options of {@link ForecasterRegistry.load}. */
export interface LoadForecasterOptions {
  /** The config's model section, passed to the factory or loader (`threads`, ...). */
  options?: Record<string, unknown>;
  /**
   * When the model cannot be loaded (missing, corrupt, checksum mismatch, bad card),
   * return this statistical model instead and log why. Default null: the error is thrown.
   * An unknown model name is a configuration error and never falls back.
   */
  fallback?: FallbackModel | null;
  /** Where the fallback's reason goes. Default: console.warn. */
  log?: (message: string) => void;
}

/**
 * Builds a forecaster from free-form options (the config's model section). A factory
 * validates its own options and throws `TSFM_BAD_OPTIONS` on nonsense.
 */
export type ForecasterFactory = (options: Record<string, unknown>) => Forecaster;

/** Asked for a model name nobody registered. `known` lists the names that exist. */
export class UnknownForecasterError extends TsfmError {
  readonly requested: string;
  readonly known: string[];

  constructor(requested: string, known: string[]) {
    super(
      'TSFM_UNKNOWN_MODEL',
      `unknown forecaster "${requested}"; known: ${known.join(', ')}`,
      `set model_name to one of: ${known.join(', ')}`,
    );
    this.name = 'UnknownForecasterError';
    this.requested = requested;
    this.known = known;
  }
}

/**
 * The "TSFM factory": forecasters by name. Statistical models are built in; ONNX models
 * are registered at load time under their card's name. A registry is a plain object,
 * so tests and the replay harness can each build their own.
 */
export class ForecasterRegistry {
  private readonly factories = new Map<string, ForecasterFactory>();
  private readonly loaders = new Map<string, ForecasterLoader>();
  // One loaded instance (one InferenceSession) per model, shared by every caller.
  private readonly loaded = new Map<string, Promise<Forecaster>>();

  /**
   * Add a factory. Names are snake case (they are method keys in the evaluation output).
   * @throws TsfmError `TSFM_DUPLICATE_MODEL` unless `replace` is set, `TSFM_BAD_OPTIONS` for a bad name.
   */
  register(name: string, factory: ForecasterFactory, options: { replace?: boolean } = {}): this {
    const key = this.claim(name, options.replace === true);
    this.factories.set(key, factory);
    return this;
  }

  /**
   * Add a model that must be loaded before use (ONNX). `chronotick-short` and
   * `chronotick_short` are the same name: names are stored in snake case.
   * @throws as {@link register}.
   */
  registerLoader(name: string, loader: ForecasterLoader, options: { replace?: boolean } = {}): this {
    const key = this.claim(name, options.replace === true);
    this.loaders.set(key, loader);
    return this;
  }

  private claim(name: string, replace: boolean): string {
    const key = canonicalName(name);
    if (!/^[a-z][a-z0-9_]*$/.test(key)) {
      throw new TsfmError('TSFM_BAD_OPTIONS', `forecaster name "${name}" must be snake case ([a-z][a-z0-9_]*)`);
    }
    if (this.has(key) && !replace) {
      throw new TsfmError('TSFM_DUPLICATE_MODEL', `forecaster "${key}" is already registered`, 'pass { replace: true } to override it');
    }
    this.factories.delete(key);
    this.loaders.delete(key);
    this.loaded.delete(key);
    return key;
  }

  /** Whether a name is registered (hyphens count as underscores). */
  has(name: string): boolean {
    const key = canonicalName(name);
    return this.factories.has(key) || this.loaders.has(key);
  }

  /** Whether the name must be loaded with {@link load} (an ONNX model). */
  needsLoading(name: string): boolean {
    return this.loaders.has(canonicalName(name));
  }

  /** Registered names, sorted, in snake case. */
  names(): string[] {
    return [...this.factories.keys(), ...this.loaders.keys()].sort();
  }

  /**
   * Get a model ready to forecast: built at once for a statistical model, loaded
   * (once; later calls share the instance) for an ONNX model. A name ending in
   * `.json` is taken as the path of a model card (bring your own model).
   *
   * @throws UnknownForecasterError for a name nobody registered; the loader's typed
   *   error (ModelFileError naming the file) when loading fails and `fallback` is null.
   */
  async load(name: string, options: LoadForecasterOptions = {}): Promise<Forecaster> {
    const key = name.endsWith('.json') ? name : canonicalName(name);
    const loader = name.endsWith('.json') ? (o: Record<string, unknown>) => loadCardForecaster(name, o) : this.loaders.get(key);
    if (loader === undefined) return this.create(name, options.options);
    let pending = this.loaded.get(key);
    if (pending === undefined) {
      pending = loader(options.options ?? {});
      this.loaded.set(key, pending);
      // A failed load is not remembered, so a repaired file loads on the next try.
      pending.catch(() => this.loaded.delete(key));
    }
    try {
      return await pending;
    } catch (err) {
      const fallback = options.fallback ?? null;
      if (fallback === null || !(err instanceof TsfmError)) throw err;
      const log = options.log ?? ((m: string): void => console.warn(m));
      log(`model "${key}" is unavailable (${err.code}: ${err.message}); falling back to the statistical model "${fallback}"`);
      return this.create(fallback);
    }
  }

  /**
   * Build the forecaster registered as `name`.
   * @throws UnknownForecasterError (`TSFM_UNKNOWN_MODEL`) listing the known names.
   */
  create(name: string, options: Record<string, unknown> = {}): Forecaster {
    const key = canonicalName(name);
    const factory = this.factories.get(key);
    if (factory !== undefined) return factory(options);
    if (this.loaders.has(key)) {
      throw new TsfmError(
        'TSFM_MODEL_NOT_LOADED',
        `forecaster "${key}" is an ONNX model and must be loaded first`,
        'call `await registry.load(name)` instead of create(name)',
      );
    }
    throw new UnknownForecasterError(name, this.names());
  }
}

/** Names of the built-in statistical forecasters. */
export const STATISTICAL_MODELS = ['linear', 'kalman', 'hold_last', 'median5', 'residual_ar'] as const;

/**
 * A registry holding the statistical forecasters: `linear` ({@link LinearFitOptions}),
 * `kalman` ({@link KalmanOptions}), `hold_last`, `median5` and `residual_ar` ({@link ResidualArOptions}),
 * the online model of this host's clock.
 */
export function createDefaultRegistry(): ForecasterRegistry {
  return new ForecasterRegistry()
    .register('linear', (o) => createLinearForecaster(o as LinearFitOptions))
    .register('kalman', (o) => createKalmanForecaster(o as KalmanOptions))
    .register('hold_last', (o) => createHoldLastForecaster(o))
    .register('median5', (o) => createMedianForecaster(o))
    .register('residual_ar', (o) => createResidualArForecaster(o as ResidualArOptions));
}

function loadCardForecaster(cardPath: string, options: Record<string, unknown>): Promise<Forecaster> {
  const threads = options.threads;
  return OnnxForecaster.load(cardPath, typeof threads === 'number' ? { threads } : {});
}

/**
 * Register an ONNX model by its card under the card's name (or `name`). Nothing is
 * read until {@link ForecasterRegistry.load}; options passed there (`threads`) reach
 * the session.
 */
export function registerOnnxCard(
  registry: ForecasterRegistry,
  name: string,
  cardPath: string,
  options: { replace?: boolean } = {},
): ForecasterRegistry {
  return registry.registerLoader(name, (o) => loadCardForecaster(cardPath, o), options);
}
