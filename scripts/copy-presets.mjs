// npm pack of @chronotick/config (its prepack): the presets in the repository's
// configs/ go into the package's presets/, so an installed daemon has them too
// (`chronotickd --config statistical`). In a checkout they are read from configs/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dest = path.join(root, 'packages', 'config', 'presets');
fs.rmSync(dest, { recursive: true, force: true });
fs.mkdirSync(dest);
for (const name of fs.readdirSync(path.join(root, 'configs'))) {
  if (name.endsWith('.yaml')) fs.copyFileSync(path.join(root, 'configs', name), path.join(dest, name));
}
