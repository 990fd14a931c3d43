// The closing summary of `npm run demo`, computed only from what the daemon answered
// (get_time with include_stats, get_daemon_status) and the truth the reference knows,
// so it reads the same whatever happens inside the daemon.

/** One second of the demo: the daemon's answers and the true offset at that instant. */
export function sampleOf(time, status, trueOffsetS) {
  const trueTimeS = time.system_time + trueOffsetS;
  const hasInterval = time.earliest !== null && time.latest !== null && time.clock_status !== 'unknown';
  return {
    warm: status.warmup_progress >= 1,
    measured: time.clock_status !== 'unknown',
    source: time.source,
    errorS: time.offset_correction - trueOffsetS,
    sigmaS: time.time_uncertainty,
    held: hasInterval ? time.earliest <= trueTimeS && trueTimeS <= time.latest : null,
    coverage: time.coverage,
    weights: Object.fromEntries(status.models.map((m) => [m.name, m.weight])),
  };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Seconds in µs or ms, whichever reads best. */
export function readable(seconds) {
  const abs = Math.abs(seconds);
  if (abs < 1e-3) return `${(seconds * 1e6).toFixed(1)} µs`;
  if (abs < 1) return `${(seconds * 1e3).toFixed(3)} ms`;
  return `${seconds.toFixed(6)} s`;
}

function errorLine(label, samples) {
  if (samples.length === 0) return `  ${label}: no samples`;
  const abs = samples.map((s) => Math.abs(s.errorS));
  const judged = samples.filter((s) => s.held !== null);
  const held = judged.filter((s) => s.held).length;
  const claimed = judged.length > 0 ? ` (claimed ${(judged[0].coverage * 100).toFixed(1)}%)` : '';
  return (
    `  ${label} (${samples.length} s): served error p50 ${readable(percentile(abs, 50))}, p95 ${readable(percentile(abs, 95))}; ` +
    `the interval held the true time ${held}/${judged.length} times${claimed}`
  );
}

function shares(samples) {
  const counts = new Map();
  for (const s of samples) counts.set(s.source, (counts.get(s.source) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([source, n]) => `${source} ${Math.round((100 * n) / samples.length)}%`)
    .join(', ');
}

/** Why a source has the weight it has, in the daemon's own terms. */
function reason(model, bestErrorS) {
  if (!model.enabled) return 'disabled in the configuration';
  if (!model.loaded) return 'not loaded (see the daemon log)';
  if (model.calibrated_error_s === null && model.weight > 0)
    return 'the plain offset-and-drift fit: it serves until a source earns a record';
  if (model.calibrated_error_s === null) return 'no track record yet: nothing it predicted has been measured';
  if (model.weight > 0 && model.calibrated_error_s === bestErrorS) return 'the smallest calibrated error';
  if (model.weight > 0) return 'close enough to the best to add information';
  const times = bestErrorS > 0 ? (model.calibrated_error_s / bestErrorS).toFixed(1) : '?';
  return `calibrated error ${times}× the best's, or not yet shown better than the plain fit`;
}

/** The summary's lines: error against the truth, interval coverage, and who carried weight. */
export function summaryLines(samples, finalStatus) {
  const measured = samples.filter((s) => s.measured);
  const warm = measured.filter((s) => s.warm);
  const lines = ['', `summary over ${samples.length} s (${measured.length} with measurements behind them):`];
  lines.push(
    errorLine(
      'during warm-up',
      measured.filter((s) => !s.warm),
    ),
  );
  lines.push(errorLine('after warm-up', warm));
  if (measured.length > 0) lines.push(`  served from: ${shares(measured)}`);
  const basis = warm.length > 0 ? warm : measured;
  const models = finalStatus?.models ?? [];
  if (models.length === 0 || basis.length === 0) return lines;
  const errors = models.map((m) => m.calibrated_error_s).filter((e) => e !== null);
  const bestErrorS = errors.length > 0 ? Math.min(...errors) : null;
  const nameWidth = Math.max(6, ...models.map((m) => m.name.length));
  lines.push(
    '',
    `  which sources carried weight (mean ${warm.length > 0 ? 'after warm-up' : 'while measuring'}); a weight follows the source's`,
    '  calibrated error, how far its past predictions landed from the measurements that followed:',
    `  ${'SOURCE'.padEnd(nameWidth)}  WEIGHT  CALIBRATED ERROR  WHY`,
  );
  for (const m of [...models].sort((a, b) => meanWeight(basis, b.name) - meanWeight(basis, a.name))) {
    const err = m.calibrated_error_s === null ? '-' : readable(m.calibrated_error_s);
    lines.push(
      `  ${m.name.padEnd(nameWidth)}  ${meanWeight(basis, m.name).toFixed(2).padStart(6)}  ${err.padStart(16)}  ${reason(m, bestErrorS)}`,
    );
  }
  return lines;
}

function meanWeight(samples, name) {
  const ws = samples.map((s) => s.weights[name] ?? 0);
  return ws.reduce((a, b) => a + b, 0) / Math.max(1, ws.length);
}
