import { ConfigSchema, type Config } from './schema';

/** The embedded default configuration: what an empty file means. */
export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze(ConfigSchema.parse({}));
