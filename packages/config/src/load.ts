import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import { ConfigSchema, type Config } from './schema';
import { ConfigError, ConfigErrorCode, type ConfigProblem } from './errors';
import { applyEnvOverrides, type ConfigEnv } from './env';

/**
 * Loads a configuration: the YAML file when one is given (else the embedded defaults),
 * then the CHRONOTICK_* environment overrides, then validation of the whole.
 * Throws ConfigError naming the file, the field path and what was expected.
 */
export function loadConfig(opts: { file?: string | undefined; env?: ConfigEnv } = {}): Config {
  const source = opts.file ?? 'embedded defaults';
  const raw = opts.file === undefined ? {} : readYamlFile(opts.file);
  const withEnv = applyEnvOverrides(raw, opts.env ?? {});
  return validateConfig(withEnv, source);
}

/** Parses YAML text into a configuration (no environment), for `config check` and tests. */
export function parseConfigText(text: string, source: string): Config {
  return validateConfig(parseYaml(text, source), source);
}

/** Validates an already-parsed object against the schema. */
export function validateConfig(raw: unknown, source: string): Config {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw new ConfigError(ConfigErrorCode.InvalidValue, source, problems);
}

function readYamlFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(ConfigErrorCode.Unreadable, file, [{ path: '', message: `cannot read the file (${reason})` }]);
  }
  return parseYaml(text, file);
}

function parseYaml(text: string, source: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: source, schema: yaml.CORE_SCHEMA });
  } catch (err) {
    const message = err instanceof yaml.YAMLException ? err.message : String(err);
    throw new ConfigError(ConfigErrorCode.InvalidYaml, source, [{ path: '', message: `not valid YAML: ${message}` }]);
  }
  // An empty file is a valid, all-defaults configuration.
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(ConfigErrorCode.InvalidValue, source, [{ path: '', message: 'expected a mapping of settings at the top level' }]);
  }
  return doc as Record<string, unknown>;
}
