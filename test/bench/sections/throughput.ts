import { measureThroughput, type LoadResult } from '../lib/load';
import type { ServerHandle } from '../lib/servers';
import type { BenchContext, Figure, Section } from '../section';

const CLIENT_COUNTS = [8, 32] as const;
const TARGET_RATIO = 0.8;

/** Requests per second with many pipelining clients, against the echo floor. */
export const throughput: Section = {
  id: 'throughput',
  title: 'get_time throughput, concurrent pipelining clients',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const { sizes } = ctx.options;
    const daemon = await ctx.daemon();
    const echo = await ctx.echo();
    const figures: Figure[] = [];
    for (const clients of CLIENT_COUNTS) {
      const runs: Record<'daemon' | 'echo', LoadResult[]> = { daemon: [], echo: [] };
      // Alternate servers round by round, as the latency section does, so a change in
      // machine load does not favour one of them.
      for (let round = 0; round < sizes.throughputRounds; round++) {
        for (const server of [daemon, echo]) {
          ctx.progress(`throughput: ${clients} clients, ${server.kind}, round ${round + 1}/${sizes.throughputRounds}`);
          runs[server.kind].push(await loadOnce(server, clients, ctx));
        }
      }
      const daemonBest = best(runs.daemon);
      const echoBest = best(runs.echo);
      figures.push(
        {
          key: `throughput_${clients}_clients_per_s`,
          label: `${clients} clients`,
          value: daemonBest.ratePerS,
          unit: 'req/s',
          baseline: { label: 'echo floor', value: echoBest.ratePerS },
          target: { on: 'ratio', op: '>=', limit: TARGET_RATIO },
          note:
            `${clients} clients × ${sizes.throughputWindow} in flight; best of ${sizes.throughputRounds} ` +
            `alternating round(s) of ${sizes.throughputMeasureMs} ms after ${sizes.throughputWarmupMs} ms warm-up`,
        },
        {
          key: `server_cpu_per_request_${clients}_clients_us`,
          label: `server CPU per request, ${clients} clients`,
          value: daemonBest.serverCpuPerRequestUs,
          unit: 'us',
          baseline: { label: 'echo floor', value: echoBest.serverCpuPerRequestUs },
        },
      );
    }
    return figures;
  },
};

function loadOnce(server: ServerHandle, clients: number, ctx: BenchContext): Promise<LoadResult> {
  const { sizes } = ctx.options;
  return measureThroughput({
    socketPath: server.socketPath,
    serverPid: server.pid,
    clients,
    window: sizes.throughputWindow,
    warmupMs: sizes.throughputWarmupMs,
    measureMs: sizes.throughputMeasureMs,
  });
}

/**
 * The best round: other work on a shared machine only ever takes throughput away, so
 * the best round is the closest to what the server itself can do (for both servers).
 */
function best(results: readonly LoadResult[]): LoadResult {
  return results.reduce((a, b) => (b.ratePerS > a.ratePerS ? b : a));
}
