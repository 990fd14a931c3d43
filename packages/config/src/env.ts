import { ConfigError, ConfigErrorCode } from './errors';

export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** One CHRONOTICK_* variable: the fields it sets, and its value as they take it. */
interface EnvOverride {
  variable: string;
  paths: string[][];
  /** The value to write, undefined to leave the file alone; throws ConfigError on a bad shape. */
  read(raw: string): unknown;
}

const trimmed = (raw: string): string | undefined => raw.trim() || undefined;

/** The environment variables that override the file (README, "Configuration"). */
const OVERRIDES: readonly EnvOverride[] = [
  {
    variable: 'CHRONOTICK_MODEL',
    paths: [
      ['short_term', 'model_name'],
      ['long_term', 'model_name'],
    ],
    read: trimmed,
  },
  {
    variable: 'CHRONOTICK_DEVICE',
    paths: [
      ['short_term', 'device'],
      ['long_term', 'device'],
    ],
    read: trimmed,
  },
  {
    variable: 'CHRONOTICK_NTP_SERVERS',
    paths: [['clock_measurement', 'ntp', 'servers']],
    read(raw) {
      const servers = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (servers.length === 0) throw envError('CHRONOTICK_NTP_SERVERS', 'expected a comma-separated list of host[:port]');
      return servers;
    },
  },
  {
    variable: 'CHRONOTICK_WARMUP',
    paths: [['clock_measurement', 'timing', 'warm_up', 'duration_seconds']],
    read(raw) {
      const seconds = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
        throw envError('CHRONOTICK_WARMUP', `expected a number of seconds ≥ 0, got "${raw}"`);
      }
      return seconds;
    },
  },
  { variable: 'CHRONOTICK_LOG_LEVEL', paths: [['logging', 'level']], read: (raw) => trimmed(raw)?.toLowerCase() },
  { variable: 'CHRONOTICK_SOCKET', paths: [['socket_path']], read: trimmed },
];

/** The names of the variables that override the file. */
export const ENV_OVERRIDES: readonly string[] = OVERRIDES.map((o) => o.variable);

/** An override that took effect: the variable and the dotted fields it set. */
export interface AppliedOverride {
  variable: string;
  fields: string[];
}

/**
 * Returns a copy of the raw (unvalidated) configuration with the CHRONOTICK_*
 * overrides written in, and which of them took effect. Values are checked for shape
 * here so that an error names the variable; ranges are checked by the schema
 * afterwards like any file value.
 */
export function applyEnvOverridesReporting(
  raw: Record<string, unknown>,
  env: ConfigEnv,
): { raw: Record<string, unknown>; applied: AppliedOverride[] } {
  const out = structuredClone(raw);
  const applied: AppliedOverride[] = [];
  for (const override of OVERRIDES) {
    const value = env[override.variable];
    if (value === undefined) continue;
    const parsed = override.read(value);
    if (parsed === undefined) continue;
    for (const keys of override.paths) setPath(out, keys, parsed);
    applied.push({ variable: override.variable, fields: override.paths.map((p) => p.join('.')) });
  }
  return { raw: out, applied };
}

/** applyEnvOverridesReporting without the report. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: ConfigEnv): Record<string, unknown> {
  return applyEnvOverridesReporting(raw, env).raw;
}

function envError(variable: string, message: string): ConfigError {
  return new ConfigError(ConfigErrorCode.InvalidEnv, 'environment', [{ path: variable, message }]);
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}
