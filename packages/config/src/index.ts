export { ConfigSchema, type Config, type ConfigInput } from './schema';
export { ConfigError, ConfigErrorCode, type ConfigProblem } from './errors';
export { loadConfig, parseConfigText, validateConfig } from './load';
export { applyEnvOverrides, ENV_OVERRIDES, type ConfigEnv } from './env';
export { DEFAULT_CONFIG } from './defaults';
