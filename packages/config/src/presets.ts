import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The presets by use (`default`, `statistical`, `local-server`, `chronos-bolt`, ...):
 * YAML files shipped in this package's presets/ (copied from the repository's configs/
 * when it is packed), or read from configs/ itself in a checkout, where presets/ is
 * not made. `--config NAME` takes a preset by name.
 */
const PRESET_DIRS = [path.join(__dirname, '..', 'presets'), path.join(__dirname, '..', '..', '..', 'configs')];

function presetDir(): string | undefined {
  return PRESET_DIRS.find((dir) => fs.existsSync(path.join(dir, 'default.yaml')));
}

/** The names of the shipped presets, sorted. */
export function presetNames(): string[] {
  const dir = presetDir();
  if (dir === undefined) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A preset's file, or undefined when there is none by that name. */
export function presetPath(name: string): string | undefined {
  const dir = presetDir();
  if (dir === undefined || !/^[a-z0-9][a-z0-9_-]*$/.test(name)) return undefined;
  const file = path.join(dir, `${name}.yaml`);
  return fs.existsSync(file) ? file : undefined;
}

/**
 * What `--config ARG` names: a file when one exists there or ARG looks like a path;
 * otherwise a preset of that name when there is one; otherwise ARG itself (and
 * loading it says the file cannot be read).
 */
export function resolveConfigArg(arg: string | undefined): string | undefined {
  if (arg === undefined || arg.includes('/') || /\.ya?ml$/.test(arg) || fs.existsSync(arg)) return arg;
  return presetPath(arg) ?? arg;
}
