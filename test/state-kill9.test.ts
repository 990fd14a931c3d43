import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { loadState, removeStaleTemps } from '../packages/daemon/src/state/state-file';
import { REPO_ROOT } from './support/paths';
import { tempDir } from './support/daemon-process';

// kill -9 while the state file is being written: the next start must read a valid
// state or none, never a torn one. A child process rewrites a large state file as
// fast as it can with the daemon's own saveState; we SIGKILL it at varied moments.
describe('state file under kill -9', () => {
  test('every kill leaves a whole state file (old or new), never a torn one', async () => {
    const dir = tempDir();
    const writer = `
      const { saveState } = require(${JSON.stringify(path.join(REPO_ROOT, 'packages/daemon/dist/state/state-file.js'))});
      const measurements = Array.from({ length: 20000 }, (_, i) => ({ t: 1.8e9 + i, offset_s: 1e-3, delay_s: 1e-4, bound_s: 1e-4, server: 's' }));
      let n = 0;
      (async () => { for (;;) { await saveState(${JSON.stringify(dir)}, { format: 1, saved_at: Date.now() / 1000, measurements, calibration: { n: [n++] } }); } })();
    `;
    let sawState = 0;
    for (let i = 0; i < 12; i++) {
      const child = spawn(process.execPath, ['-e', writer], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 150 + i * 37));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const loaded = loadState(dir, Date.now() / 1000, 3600);
      if (loaded.ok) {
        sawState++;
        expect(loaded.state.measurements).toHaveLength(20000);
      } else {
        expect(loaded.reason).toBe('missing');
      }
    }
    expect(sawState).toBeGreaterThan(0);
    // The temp files the killed writers left are removed at the next start; a live
    // writer's is not.
    const live = path.join(dir, `.state.json.${process.pid}.tmp`);
    fs.writeFileSync(live, 'in progress');
    const removed = removeStaleTemps(dir);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(live), 'state.json'].sort());
    expect(removed.every((name) => /^\.state\.json\.\d+\.tmp$/.test(name))).toBe(true);
    fs.unlinkSync(live);
  }, 60_000);
});
