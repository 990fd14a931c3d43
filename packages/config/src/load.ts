import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema';
import { ConfigError, ConfigErrorCode, type ConfigProblem } from './errors';
import { applyEnvOverridesReporting, type AppliedOverride, type ConfigEnv } from './env';
import { suggestKey } from './suggest';

/** What loadConfigReporting found: the configuration and the overrides that shaped it. */
export interface LoadedConfig {
  config: Config;
  /** The file, or `embedded defaults`. */
  source: string;
  /** The CHRONOTICK_* variables that took effect, in the order they apply. */
  envOverrides: AppliedOverride[];
}

/**
 * Loads a configuration: the YAML file when one is given (else the embedded defaults),
 * then the CHRONOTICK_* environment overrides, then validation of the whole.
 * Throws ConfigError naming the file, the field path and what was expected.
 */
export function loadConfig(opts: { file?: string | undefined; env?: ConfigEnv } = {}): Config {
  return loadConfigReporting(opts).config;
}

/**
 * loadConfig, also saying which environment overrides took effect; a problem in a
 * value an override set names the variable. This is what the daemon runs on, so
 * `chronotickctl config check` uses it too.
 */
export function loadConfigReporting(opts: { file?: string | undefined; env?: ConfigEnv } = {}): LoadedConfig {
  const source = opts.file ?? 'embedded defaults';
  const raw = opts.file === undefined ? {} : readYamlFile(opts.file);
  const { raw: withEnv, applied } = applyEnvOverridesReporting(raw, opts.env ?? {});
  try {
    return { config: validateConfig(withEnv, source), source, envOverrides: applied };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(
      err.code,
      source,
      err.problems.map((p) => blameVariable(p, applied)),
    );
  }
}

function blameVariable(problem: ConfigProblem, applied: AppliedOverride[]): ConfigProblem {
  const setter = applied.find((o) => o.fields.some((f) => problem.path === f || problem.path.startsWith(`${f}.`)));
  return setter ? { ...problem, variable: setter.variable } : problem;
}

/** Parses YAML text into a configuration (no environment), for `config check` and tests. */
export function parseConfigText(text: string, source: string): Config {
  return validateConfig(parseYaml(text, source), source);
}

/** Validates an already-parsed object against the schema. */
export function validateConfig(raw: unknown, source: string): Config {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(ConfigErrorCode.InvalidValue, source, result.error.issues.flatMap(problemsOf));
}

/** One problem per zod issue, except an unknown key: one per key, at its own path, with a suggestion. */
function problemsOf(issue: z.core.$ZodIssue): ConfigProblem[] {
  const at = issue.path.map(String);
  if (issue.code !== 'unrecognized_keys') return [{ path: at.join('.'), message: issue.message }];
  return issue.keys.map((key) => {
    const suggestion = suggestKey(ConfigSchema, at, key);
    const problem: ConfigProblem = { path: [...at, key].join('.'), message: 'unknown key' };
    return suggestion === undefined ? problem : { ...problem, suggestion };
  });
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
