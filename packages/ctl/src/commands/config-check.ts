import { ConfigError, loadConfig } from '@chronotick/config';

/** `chronotickctl config check FILE`: validates a configuration without starting anything. */
export function checkConfigFile(file: string): { ok: boolean; text: string } {
  try {
    const config = loadConfig({ file });
    const ntp = config.clock_measurement.ntp.servers.join(', ');
    return {
      ok: true,
      text:
        `${file}: valid\n` +
        `  NTP servers: ${ntp}\n` +
        `  models: ${config.short_term.model_name} (short term, ${config.short_term.enabled ? 'on' : 'off'}), ` +
        `${config.long_term.model_name} (long term, ${config.long_term.enabled ? 'on' : 'off'})`,
    };
  } catch (err) {
    if (err instanceof ConfigError) {
      const lines = err.problems.map((p) => `  ${p.path || '(file)'}: ${p.message}`);
      return { ok: false, text: `${err.source}: invalid (${err.code})\n${lines.join('\n')}` };
    }
    throw err;
  }
}
