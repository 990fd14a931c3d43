#!/usr/bin/env node
// `npm run demo`: ChronoTick doing its job with no network. A programmable NTP
// reference on loopback plays a badly drifting clock (+50 ms, +50 ppm, a slow
// temperature-like wobble, 0.2 ms of path jitter); a daemon measures it; and every
// second this prints what the daemon serves beside the truth the reference knows.
// It ends (Ctrl-C, or after --seconds N) with a summary: the served error against
// the truth, how often the interval held it, and which sources carried weight.
// The daemon's own log goes to a file named at the start, never into the table.
//   node scripts/demo.mjs [--seconds N] [--warmup SECONDS]
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleOf, summaryLines } from './demo-summary.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startReferenceProcess } = require(path.join(root, 'packages/reference/dist'));
const { ChronoTickClient } = require(path.join(root, 'packages/client/dist'));
const { DaemonStatusSchema, SourceSchema } = require(path.join(root, 'packages/protocol/dist'));

function numberArg(flag, fallback) {
  const i = process.argv.indexOf(flag);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!(value >= 0)) {
    console.error(`demo: ${flag} needs a number of seconds`);
    process.exit(2);
  }
  return value;
}
const durationS = numberArg('--seconds', Infinity);
const warmupS = numberArg('--warmup', 20);

// Columns as wide as their widest possible value, so they never shift when the
// source or the status changes.
const STATUS_WIDTH = Math.max(...DaemonStatusSchema.options.map((s) => s.length));
const SOURCE_WIDTH = Math.max(...SourceSchema.options.map((s) => s.length));
const us = (s) => (s === null ? '—'.padStart(14) : `${(s * 1e6).toFixed(1).padStart(11)} µs`);
const row = (cells) => cells.join('  ');
const US_WIDTH = us(0).length;
const HEADER = row([
  '   t',
  'status'.padEnd(STATUS_WIDTH),
  'source'.padEnd(SOURCE_WIDTH),
  'served offset'.padStart(US_WIDTH),
  '± 1σ'.padStart(US_WIDTH),
  'true offset'.padStart(US_WIDTH),
  'error'.padStart(US_WIDTH),
  'in interval',
]);

const params = { initialOffsetS: 0.05, driftPpm: 50, sineAmplitudeS: 0.0005, sinePeriodS: 300, jitterS: 0.0002, seed: 42 };
const ref = await startReferenceProcess(params);
const dir = mkdtempSync(path.join(tmpdir(), 'chronotick-demo-'));
const socketPath = path.join(dir, 'chronotickd.sock');
const configFile = path.join(dir, 'config.yaml');
// The log outlives the demo's temp folder, so it can be read afterwards.
const logFile = path.join(tmpdir(), `chronotick-demo-${process.pid}.log`);
writeFileSync(
  configFile,
  [
    'clock_measurement:',
    `  ntp: {servers: ["${ref.server}"], timeout_seconds: 0.5, min_poll_seconds: 0.5}`,
    '  timing:',
    `    warm_up: {duration_seconds: ${warmupS}, measurement_interval: 0.5}`,
    '    normal_operation: {measurement_interval: 2}',
  ].join('\n'),
);
const logFd = openSync(logFile, 'w');
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
  { stdio: ['ignore', logFd, logFd] },
);
closeSync(logFd);
const client = new ChronoTickClient({ socketPaths: [socketPath] });
const samples = [];
let lastStatus;

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  // The summary asks the daemon once more, so it goes before the daemon does.
  const finalStatus = await client.request('get_daemon_status').catch(() => lastStatus);
  for (const line of summaryLines(samples, finalStatus)) console.log(line);
  console.log(`\ndaemon log: ${logFile}`);
  client.close();
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  await ref.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

console.log(`reference ${ref.server}: +50 ms, +50 ppm, 0.5 ms wobble over 5 min, 0.2 ms jitter; warm-up ${warmupS} s`);
console.log(`daemon log: ${logFile}\n`);
// The table starts once the daemon answers: on a busy machine loading its models can
// take seconds, and a "waiting" line would break the table.
const readyBy = Date.now() + 30_000;
for (;;) {
  try {
    await client.request('get_daemon_status');
    break;
  } catch (err) {
    if (Date.now() > readyBy || daemon.exitCode !== null) {
      console.error(`chronotickd did not answer within 30 s (${err.message}); its log: ${logFile}`);
      daemon.kill('SIGTERM');
      await ref.close();
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
console.log(HEADER);
const started = Date.now();
while (!stopping && (Date.now() - started) / 1000 < durationS) {
  try {
    const time = await client.request('get_time', { include_stats: true });
    const status = await client.request('get_daemon_status');
    lastStatus = status;
    const truth = ref.trueOffsetAt(time.system_time);
    const sample = sampleOf(time, status, truth);
    samples.push(sample);
    const held = sample.held === null ? 'no claim' : sample.held ? 'yes' : 'NO';
    console.log(
      row([
        `${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s`,
        time.daemon_status.padEnd(STATUS_WIDTH),
        time.source.padEnd(SOURCE_WIDTH),
        us(time.offset_correction),
        us(time.time_uncertainty),
        us(truth),
        us(sample.errorS),
        held,
      ]),
    );
  } catch (err) {
    console.log(`(waiting for the daemon: ${err.message})`);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
await stop();
