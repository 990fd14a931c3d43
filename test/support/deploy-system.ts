import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';

/** Helpers for the deployment tests: commands, snapshots of system paths, throwaway users. */

export const DEPLOY_DIR = path.join(REPO_ROOT, 'deploy');

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (no shell); never throws on a non-zero exit. */
export function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CommandResult {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    timeout: 120_000,
  });
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like sh, but fails the test with the command's output when it exits non-zero. */
export function mustSh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const r = sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * The system paths an install could write to, each listed recursively with mode,
 * owner, size and mtime. Two equal snapshots mean nothing there was created, changed
 * or removed. /etc itself is listed one level deep without the account files, which
 * the access test (running in parallel) changes when it adds its throwaway users.
 */
export const WATCHED_TREES = [
  '/etc/systemd/system',
  '/etc/chronotick',
  '/opt',
  '/usr/local',
  '/var/lib/chronotick',
  '/var/log/chronotick',
  '/run/chronotick',
  '/Library',
];
const ACCOUNT_FILES = /^(passwd|group|shadow|gshadow|subuid|subgid)-?$|^\.pwd\.lock$/;

export function snapshotSystem(): string {
  const lines: string[] = [];
  const describe = (p: string): string => {
    const st = fs.lstatSync(p);
    return `${p} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs}`;
  };
  const walk = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      lines.push(`${p} (absent)`);
      return;
    }
    lines.push(describe(p));
    if (st.isDirectory()) for (const name of fs.readdirSync(p).sort()) walk(path.join(p, name));
  };
  for (const tree of WATCHED_TREES) walk(tree);
  for (const name of fs.readdirSync('/etc').sort()) {
    if (!ACCOUNT_FILES.test(name)) lines.push(describe(path.join('/etc', name)));
  }
  lines.push(`user chronotick: ${sh('getent', ['passwd', 'chronotick']).stdout.trim() || '(none)'}`);
  lines.push(`group chronotick: ${sh('getent', ['group', 'chronotick']).stdout.trim() || '(none)'}`);
  return lines.join('\n');
}

/** Every file under dir, relative to it, sorted (symlinks listed, not followed). */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    const st = fs.lstatSync(abs);
    if (rel !== '') out.push(rel);
    if (st.isDirectory()) for (const name of fs.readdirSync(abs)) walk(path.join(rel, name));
  };
  walk('');
  return out.sort();
}

/**
 * Throwaway system accounts for one test file. Names carry the jest worker's pid so
 * parallel runs never collide; remove() deletes every account and group it made.
 */
export class ThrowawayAccounts {
  private readonly users: string[] = [];
  private readonly tag = `ctdt${process.pid}`;

  /** A system user with no home and no login shell, in its own group plus `groups`. */
  user(suffix: string, groups: string[] = []): string {
    const name = `${this.tag}${suffix}`;
    const args = ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin'];
    args.push('--user-group');
    if (groups.length > 0) args.push('--groups', groups.join(','));
    mustSh('useradd', [...args, name]);
    this.users.push(name);
    return name;
  }

  remove(): void {
    // Newest first; userdel keeps a user's own group while others are still in it,
    // so each group is deleted explicitly once its members are gone.
    const users = this.users.splice(0).reverse();
    for (const u of users) sh('userdel', [u]);
    for (const u of users) if (sh('getent', ['group', u]).code === 0) sh('groupdel', [u]);
  }
}
