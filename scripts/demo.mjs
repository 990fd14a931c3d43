#!/usr/bin/env node
// `npm run demo`: ChronoTick doing its job with no network. A programmable NTP
// reference on loopback plays a badly drifting clock (+50 ms, +50 ppm, a slow
// temperature-like wobble, 0.2 ms of path jitter); a daemon measures it; and every
// second this prints what the daemon serves beside the truth the reference knows.
// Stop it with Ctrl-C (or pass --seconds N).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startReferenceProcess } = require(path.join(root, 'packages/reference/dist'));
const { ChronoTickClient } = require(path.join(root, 'packages/client/dist'));

const secondsArg = process.argv.indexOf('--seconds');
const durationS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : Infinity;
const us = (s) => `${(s * 1e6).toFixed(1).padStart(9)} µs`;

const params = { initialOffsetS: 0.05, driftPpm: 50, sineAmplitudeS: 0.0005, sinePeriodS: 300, jitterS: 0.0002, seed: 42 };
const ref = await startReferenceProcess(params);
const dir = mkdtempSync(path.join(tmpdir(), 'chronotick-demo-'));
const socketPath = path.join(dir, 'chronotickd.sock');
const configFile = path.join(dir, 'config.yaml');
writeFileSync(
  configFile,
  [
    'clock_measurement:',
    `  ntp: {servers: ["${ref.server}"], timeout_seconds: 0.5, min_poll_seconds: 0.5}`,
    '  timing:',
    '    warm_up: {duration_seconds: 20, measurement_interval: 0.5}',
    '    normal_operation: {measurement_interval: 2}',
  ].join('\n'),
);
const daemon = spawn(
  process.execPath,
  [
    path.join(root, 'packages/daemon/bin/chronotickd.js'),
    '--config',
    configFile,
    '--socket',
    socketPath,
    '--state-dir',
    path.join(dir, 'state'),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
const client = new ChronoTickClient({ socketPaths: [socketPath] });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  client.close();
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  await ref.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

console.log(`reference ${ref.server}: +50 ms, +50 ppm, 0.5 ms wobble over 5 min, 0.2 ms jitter\n`);
console.log('  t    status      source    served offset       ± 1σ           true offset          error');
const started = Date.now();
await new Promise((r) => setTimeout(r, 500));
while (!stopping && (Date.now() - started) / 1000 < durationS) {
  try {
    const a = await client.request('get_time');
    const truth = ref.trueOffsetAt(a.system_time);
    const t = ((Date.now() - started) / 1000).toFixed(0).padStart(3);
    console.log(
      `${t}s  ${a.daemon_status.padEnd(10)}  ${a.source.padEnd(7)} ${us(a.offset_correction)}  ${us(a.time_uncertainty)}  ${us(truth)}  ${us(a.offset_correction - truth)}`,
    );
  } catch (err) {
    console.log(`(waiting for the daemon: ${err.message})`);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
await stop();
