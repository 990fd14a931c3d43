/** Stable codes for configuration failures; the daemon exits 78 on any of them. */
export const ConfigErrorCode = {
  Unreadable: 'CONFIG_UNREADABLE',
  InvalidYaml: 'CONFIG_INVALID_YAML',
  InvalidValue: 'CONFIG_INVALID_VALUE',
  InvalidEnv: 'CONFIG_INVALID_ENV',
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** One thing wrong with a configuration: where, and what was expected there. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `clock_measurement.ntp.timeout_seconds`; '' for the file. */
  path: string;
  message: string;
}

/**
 * A configuration that cannot be used. The message names the source (file or
 * environment variable), every offending field path and what was expected.
 */
export class ConfigError extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    /** The file, or `environment` for an override. */
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${source}: ` + problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '));
    this.name = 'ConfigError';
  }
}
