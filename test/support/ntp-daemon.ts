import { ChronoTickClient } from '@chronotick/client';
import type { DaemonStatusAnswer } from '@chronotick/protocol';
import { startDaemon, type RunningDaemon } from './daemon-process';

/** A daemon measuring against the given loopback NTP servers, with a short warm-up. */
export async function startDaemonAgainst(
  servers: string[],
  opts: { warmUpS?: number; warmUpIntervalS?: number; intervalS?: number; extraYaml?: string; dir?: string } = {},
): Promise<{ daemon: RunningDaemon; client: ChronoTickClient }> {
  const config = [
    'clock_measurement:',
    '  ntp:',
    `    servers: [${servers.map((s) => JSON.stringify(s)).join(', ')}]`,
    '    timeout_seconds: 0.3',
    '    min_poll_seconds: 0.2',
    '  timing:',
    '    warm_up:',
    `      duration_seconds: ${opts.warmUpS ?? 4}`,
    `      measurement_interval: ${opts.warmUpIntervalS ?? 0.25}`,
    '    normal_operation:',
    `      measurement_interval: ${opts.intervalS ?? 1}`,
    opts.extraYaml ?? '',
  ].join('\n');
  const daemon = await startDaemon({ config, ...(opts.dir === undefined ? {} : { dir: opts.dir }) });
  const client = new ChronoTickClient({ socketPaths: [daemon.socketPath] });
  return { daemon, client };
}

/** Polls get_daemon_status until `predicate` holds; fails with the last status. */
export async function waitForStatus(
  client: ChronoTickClient,
  predicate: (s: DaemonStatusAnswer) => boolean,
  timeoutMs: number,
): Promise<DaemonStatusAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last: DaemonStatusAnswer | undefined;
  while (Date.now() < deadline) {
    // A generous per-request timeout: this waits on the daemon's state, not its speed.
    last = await client.request('get_daemon_status', {}, { timeoutMs: 15_000 });
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`status never matched; last: ${JSON.stringify(last, null, 1)}`);
}

/** Absolute errors of corrected time against the reference's truth, seconds. */
export async function sampleErrors(
  client: ChronoTickClient,
  trueOffsetAt: (hostS: number) => number,
  opts: { count: number; intervalMs: number },
): Promise<number[]> {
  const errors: number[] = [];
  for (let i = 0; i < opts.count; i++) {
    const a = await client.request('get_time');
    errors.push(Math.abs(a.offset_correction - trueOffsetAt(a.system_time)));
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
  return errors;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}
