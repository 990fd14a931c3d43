import { ConfigError, ConfigErrorCode } from './errors';

export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** The environment variables that override the file (README, "Configuration"). */
export const ENV_OVERRIDES = [
  'CHRONOTICK_MODEL',
  'CHRONOTICK_DEVICE',
  'CHRONOTICK_NTP_SERVERS',
  'CHRONOTICK_WARMUP',
  'CHRONOTICK_LOG_LEVEL',
  'CHRONOTICK_SOCKET',
] as const;

/**
 * Returns a copy of the raw (unvalidated) configuration with the CHRONOTICK_*
 * overrides written in. Values are checked for shape here so that an error names the
 * variable; ranges are checked by the schema afterwards like any file value.
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: ConfigEnv): Record<string, unknown> {
  const out = structuredClone(raw);
  const model = env.CHRONOTICK_MODEL?.trim();
  if (model) {
    setPath(out, ['short_term', 'model_name'], model);
    setPath(out, ['long_term', 'model_name'], model);
  }
  const device = env.CHRONOTICK_DEVICE?.trim();
  if (device) {
    setPath(out, ['short_term', 'device'], device);
    setPath(out, ['long_term', 'device'], device);
  }
  if (env.CHRONOTICK_NTP_SERVERS !== undefined) {
    const servers = env.CHRONOTICK_NTP_SERVERS.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (servers.length === 0) {
      throw envError('CHRONOTICK_NTP_SERVERS', 'expected a comma-separated list of host[:port]');
    }
    setPath(out, ['clock_measurement', 'ntp', 'servers'], servers);
  }
  if (env.CHRONOTICK_WARMUP !== undefined) {
    const seconds = Number(env.CHRONOTICK_WARMUP);
    if (env.CHRONOTICK_WARMUP.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
      throw envError('CHRONOTICK_WARMUP', `expected a number of seconds ≥ 0, got "${env.CHRONOTICK_WARMUP}"`);
    }
    setPath(out, ['clock_measurement', 'timing', 'warm_up', 'duration_seconds'], seconds);
  }
  const level = env.CHRONOTICK_LOG_LEVEL?.trim();
  if (level) setPath(out, ['logging', 'level'], level.toLowerCase());
  const socket = env.CHRONOTICK_SOCKET?.trim();
  if (socket) setPath(out, ['socket_path'], socket);
  return out;
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
