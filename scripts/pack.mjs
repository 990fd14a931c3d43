// `npm run pack`: every workspace package as the tarball `npm publish` would upload,
// into build/packages/ (emptied first), built fresh. Install them with the README's
// line: npm install -g --ignore-scripts build/packages/*.tgz
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dest = path.resolve(root, process.argv[2] ?? path.join('build', 'packages'));
fs.rmSync(dest, { recursive: true, force: true });
fs.mkdirSync(dest, { recursive: true });
execFileSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });
// npm prints each prepack script's banner on stderr: kept for a failure only.
const packed = spawnSync('npm', ['pack', '--workspaces', '--pack-destination', dest, '--loglevel=error', '--json'], {
  cwd: root,
  encoding: 'utf8',
});
if (packed.status !== 0) {
  process.stderr.write(packed.stderr);
  process.exit(packed.status ?? 1);
}
for (const name of fs.readdirSync(dest).sort()) console.log(path.join(dest, name));
