import {
  ConfigError,
  formatConfigError,
  loadConfigReporting,
  resolveConfigArg,
  type ConfigEnv,
  type LoadedConfig,
} from '@chronotick/config';

/**
 * `chronotickctl config check [FILE]`: validates what the daemon would run on — the
 * file (or the embedded defaults) with the CHRONOTICK_* overrides of this environment
 * — without starting anything.
 */
export function checkConfig(opts: { file: string | undefined; env: ConfigEnv; json: boolean }): { ok: boolean; text: string } {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfigReporting({ file: resolveConfigArg(opts.file), env: opts.env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (opts.json) {
      return { ok: false, text: JSON.stringify({ valid: false, source: err.source, code: err.code, problems: err.problems }, null, 2) };
    }
    return { ok: false, text: formatConfigError(err) };
  }
  if (opts.json) {
    const { config, source, envOverrides } = loaded;
    return { ok: true, text: JSON.stringify({ valid: true, source, env_overrides: envOverrides, config }, null, 2) };
  }
  return { ok: true, text: validText(loaded) };
}

function validText({ config, source, envOverrides }: LoadedConfig): string {
  const model = (role: 'short_term' | 'long_term', name: string): string =>
    `${config[role].model_name} (${name}, ${config[role].enabled ? 'on' : 'off'})`;
  const env =
    envOverrides.length === 0 ? 'none' : envOverrides.map((o) => `${o.variable} → ${o.fields.join(', ')}`).join('\n' + ' '.repeat(15));
  return [
    `${source}: valid`,
    `  environment: ${env}`,
    `  NTP servers: ${config.clock_measurement.ntp.servers.join(', ')}`,
    `  warm-up:     ${config.clock_measurement.timing.warm_up.duration_seconds} s`,
    `  models:      ${model('short_term', 'short term')}, ${model('long_term', 'long term')}`,
  ].join('\n');
}
