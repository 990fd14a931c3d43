import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/paths';

// Every npm or npx command in the checkout once warned `Unknown project config
// "onnxruntime-node-install"` (a key .npmrc set so that onnxruntime-node's install
// script would not fetch CUDA libraries). The CPU-only install now comes from
// package.json's allowScripts, which npm knows: the script is denied and npm says
// nothing. `.ci/run`'s `npm ci` on a fresh copy, with no route to NuGet, proves the
// script stays off; this says which setting is at fault when npm starts to talk.

function npm(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', args, { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'warn' } });
  if (r.error) throw new Error(`npm could not run (it must be on the PATH): ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm in the checkout', () => {
  test('reads the project configuration without a warning', () => {
    const r = npm(['config', 'get', 'cache']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  test("denies onnxruntime-node's install script and approves the other three", () => {
    const r = npm(['pkg', 'get', 'allowScripts']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      'onnxruntime-node': false,
      '@parcel/watcher': true,
      '@swc/core': true,
      'msgpackr-extract': true,
    });
  });

  test('the installed onnxruntime-node is the CPU build it ships with: no CUDA libraries fetched', () => {
    const bin = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
    const files = fs.readdirSync(bin);
    expect(files).toContain('onnxruntime_binding.node');
    expect(files.filter((f) => f.includes('providers'))).toEqual([]);
  });
});
