import { startServer, type ServerKind } from '../lib/servers';
import { median } from '../lib/stats';
import type { BenchContext, Figure, Section } from '../section';

/**
 * Spawn to the socket answering a ping, on fresh state directories. The echo server's
 * start-up is the baseline: Node and msgpackr loading, which no daemon can beat.
 */
export const startup: Section = {
  id: 'startup',
  title: 'start-up: spawn to the socket answering a ping',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const spawns = ctx.options.sizes.startupSpawns;
    ctx.progress(`start-up: ${spawns} fresh spawns each of the daemon and the echo server`);
    const daemonMs: number[] = [];
    const echoMs: number[] = [];
    for (let i = 0; i < spawns; i++) {
      daemonMs.push(await spawnOnce(ctx, 'daemon'));
      echoMs.push(await spawnOnce(ctx, 'echo'));
    }
    return [
      {
        key: 'startup_to_ping_ms',
        label: 'to socket answering (no saved state)',
        value: median(daemonMs),
        unit: 'ms',
        baseline: { label: 'echo server', value: median(echoMs) },
        note: `median of ${spawns} spawns`,
      },
    ];
  },
};

async function spawnOnce(ctx: BenchContext, kind: ServerKind): Promise<number> {
  const server = await startServer(ctx.registry, kind);
  await ctx.registry.stop(server.child);
  return server.startupMs;
}
