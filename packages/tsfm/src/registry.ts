import { TsfmError } from './errors';
import type { Forecaster } from './forecaster';
import { createHoldLastForecaster, createMedianForecaster } from './statistical/hold-last';
import { createKalmanForecaster, type KalmanOptions } from './statistical/kalman';
import { createLinearForecaster, type LinearFitOptions } from './statistical/linear';

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
    super('TSFM_UNKNOWN_MODEL', `unknown forecaster "${requested}"; known: ${known.join(', ')}`, `set model_name to one of: ${known.join(', ')}`);
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

  /**
   * Add a factory. Names are snake case (they are method keys in the evaluation output).
   * @throws TsfmError `TSFM_DUPLICATE_MODEL` unless `replace` is set, `TSFM_BAD_OPTIONS` for a bad name.
   */
  register(name: string, factory: ForecasterFactory, options: { replace?: boolean } = {}): this {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) {
      throw new TsfmError('TSFM_BAD_OPTIONS', `forecaster name "${name}" must be snake case ([a-z][a-z0-9_]*)`);
    }
    if (this.factories.has(name) && options.replace !== true) {
      throw new TsfmError('TSFM_DUPLICATE_MODEL', `forecaster "${name}" is already registered`, 'pass { replace: true } to override it');
    }
    this.factories.set(name, factory);
    return this;
  }

  /** Whether a name is registered. */
  has(name: string): boolean {
    return this.factories.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  /**
   * Build the forecaster registered as `name`.
   * @throws UnknownForecasterError (`TSFM_UNKNOWN_MODEL`) listing the known names.
   */
  create(name: string, options: Record<string, unknown> = {}): Forecaster {
    const factory = this.factories.get(name);
    if (factory === undefined) throw new UnknownForecasterError(name, this.names());
    return factory(options);
  }
}

/** Names of the built-in statistical forecasters. */
export const STATISTICAL_MODELS = ['linear', 'kalman', 'hold_last', 'median5'] as const;

/**
 * A registry holding the statistical forecasters: `linear` ({@link LinearFitOptions}),
 * `kalman` ({@link KalmanOptions}), `hold_last` and `median5`.
 */
export function createDefaultRegistry(): ForecasterRegistry {
  return new ForecasterRegistry()
    .register('linear', (o) => createLinearForecaster(o as LinearFitOptions))
    .register('kalman', (o) => createKalmanForecaster(o as KalmanOptions))
    .register('hold_last', (o) => createHoldLastForecaster(o))
    .register('median5', (o) => createMedianForecaster(o));
}
