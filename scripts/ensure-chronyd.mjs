#!/usr/bin/env node
// Makes chronyd available to the interop tests without installing the Debian
// package: no maintainer scripts run, so no service starts and nothing can ever
// touch the host clock. Order: chronyd on the PATH (or /usr/sbin), then the repo
// cache (.cache/chrony), then `apt-get download` + `dpkg -x` into that cache.
// Shared libraries the base image lacks are fetched the same way and live under
// the cache; test/support/chronyd.ts adds them to LD_LIBRARY_PATH.
// Prints the chronyd path on success; exits 1 with a message saying what to do.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(repoRoot, '.cache', 'chrony');
const cachedChronyd = path.join(cacheDir, 'usr', 'sbin', 'chronyd');

function fail(message) {
  console.error(`ensure-chronyd: ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', ...opts });
}

/** Library folders inside the cache, in the order the loader should search them. */
function cacheLibDirs() {
  return ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu', 'usr/lib/aarch64-linux-gnu', 'lib', 'usr/lib']
    .map((d) => path.join(cacheDir, d))
    .filter((d) => existsSync(d));
}

function envWithCacheLibs() {
  const dirs = cacheLibDirs();
  const prior = process.env.LD_LIBRARY_PATH;
  return { ...process.env, LD_LIBRARY_PATH: [...dirs, ...(prior ? [prior] : [])].join(':') };
}

function findOnPath() {
  const found = run('sh', ['-c', 'command -v chronyd']);
  if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  // /usr/sbin is not on every user's PATH, but is where Debian installs it.
  if (existsSync('/usr/sbin/chronyd')) return '/usr/sbin/chronyd';
  return null;
}

function missingLibs(binary) {
  const ldd = run('ldd', [binary], { env: envWithCacheLibs() });
  if (ldd.status !== 0) return [];
  return ldd.stdout
    .split('\n')
    .filter((l) => l.includes('not found'))
    .map((l) => l.trim().split(/\s+/)[0]);
}

function isInstalled(pkg) {
  const q = run('dpkg-query', ['-W', '-f=${Status}', pkg]);
  return q.status === 0 && q.stdout.includes('install ok installed');
}

/** `apt-get download` into a temp folder, refreshing the lists once if needed. */
function downloadAndExtract(packages) {
  const dir = mkdtempSync(path.join(tmpdir(), 'chronyd-deb-'));
  try {
    let dl = run('apt-get', ['download', ...packages], { cwd: dir });
    if (dl.status !== 0) {
      console.error('ensure-chronyd: apt-get download failed; running apt-get update once and retrying');
      const upd = run('apt-get', ['update'], { stdio: 'inherit' });
      if (upd.status !== 0) fail('apt-get update failed; install chrony by hand (apt-get install chrony) or put chronyd on the PATH');
      dl = run('apt-get', ['download', ...packages], { cwd: dir });
    }
    if (dl.status !== 0) fail(`apt-get download ${packages.join(' ')} failed:\n${dl.stderr}\nPut chronyd on the PATH or fix apt sources.`);
    mkdirSync(cacheDir, { recursive: true });
    for (const deb of readdirSync(dir).filter((f) => f.endsWith('.deb'))) {
      const x = run('dpkg', ['-x', path.join(dir, deb), cacheDir]);
      if (x.status !== 0) fail(`dpkg -x ${deb} failed: ${x.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** chrony's direct library dependencies that this machine lacks. */
function uninstalledDeps() {
  const deps = run('apt-cache', ['depends', '--no-recommends', '--no-suggests', 'chrony']);
  if (deps.status !== 0) return [];
  return deps.stdout
    .split('\n')
    .map((l) => l.match(/^\s+Depends:\s+([a-z0-9.+-]+)$/)?.[1])
    .filter((p) => p !== undefined && p.startsWith('lib') && !isInstalled(p));
}

function verify(binary) {
  const v = run(binary, ['-v'], { env: envWithCacheLibs() });
  if (v.status !== 0) return null;
  return v.stdout.trim() || v.stderr.trim();
}

let chronyd = findOnPath();
if (!chronyd && existsSync(cachedChronyd)) chronyd = cachedChronyd;
if (!chronyd) {
  console.error(`ensure-chronyd: chronyd not found; fetching Debian's chrony package into ${cacheDir} (not installed, no service started)`);
  downloadAndExtract(['chrony']);
  if (!existsSync(cachedChronyd)) fail(`the chrony package did not contain usr/sbin/chronyd`);
  chronyd = cachedChronyd;
}
if (missingLibs(chronyd).length > 0) {
  const pkgs = uninstalledDeps();
  console.error(`ensure-chronyd: chronyd lacks ${missingLibs(chronyd).join(', ')}; fetching ${pkgs.join(' ') || '(nothing to fetch)'}`);
  if (pkgs.length > 0) downloadAndExtract(pkgs);
  const still = missingLibs(chronyd);
  if (still.length > 0)
    fail(`chronyd still lacks shared libraries: ${still.join(', ')}; run apt-get install chrony's dependencies by hand`);
}
const version = verify(chronyd);
if (!version) fail(`${chronyd} -v did not run; remove ${cacheDir} and retry, or install chrony by hand`);
console.log(`ensure-chronyd: ${chronyd} (${version.split('\n')[0]})`);
