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
  /** For an unknown key: the dotted path of the known key it most likely meant. */
  suggestion?: string;
  /** When an environment variable set the offending value: its name. */
  variable?: string;
}

/** A problem as one line of text: `path: message`, with its suggestion and variable. */
export function describeProblem(p: ConfigProblem): string {
  const hint = p.suggestion === undefined ? '' : `; did you mean "${p.suggestion}"?`;
  const from = p.variable === undefined ? '' : ` (set by ${p.variable})`;
  return `${p.path ? `${p.path}: ` : ''}${p.message}${hint}${from}`;
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
    super(`${source}: ` + problems.map(describeProblem).join('; '));
    this.name = 'ConfigError';
  }
}

/** A ConfigError for people: `source: invalid (CODE)`, then one indented line per problem. */
export function formatConfigError(err: ConfigError): string {
  const lines = err.problems.map((p) => `  ${describeProblem({ ...p, path: p.path || '(file)' })}`);
  return `${err.source}: invalid (${err.code})\n${lines.join('\n')}`;
}
