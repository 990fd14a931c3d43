export { ConfigSchema, type Config, type ConfigInput } from './schema';
export { ConfigError, ConfigErrorCode, describeProblem, formatConfigError, type ConfigProblem } from './errors';
export { loadConfig, loadConfigReporting, parseConfigText, validateConfig, type LoadedConfig } from './load';
export { applyEnvOverrides, ENV_OVERRIDES, type AppliedOverride, type ConfigEnv } from './env';
export { editDistance, suggestKey } from './suggest';
export { DEFAULT_CONFIG } from './defaults';
export { presetNames, presetPath, resolveConfigArg } from './presets';
