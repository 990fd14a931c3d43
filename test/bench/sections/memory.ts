import { rssMb } from '../lib/servers';
import type { BenchContext, Figure, Section } from '../section';

const RSS_TARGET_MB = 150;

/** Daemon RSS at a given moment of the run; the echo server's RSS is the Node floor. */
function rssSection(id: string, moment: string, keySuffix: string): Section {
  return {
    id,
    title: `daemon RSS ${moment}`,
    async run(ctx: BenchContext): Promise<Figure[]> {
      const daemon = await ctx.daemon();
      const echo = await ctx.echo();
      return [
        {
          key: `rss_${keySuffix}_mb`,
          label: `RSS ${moment}`,
          value: rssMb(daemon.pid),
          unit: 'MB',
          baseline: { label: 'echo server', value: rssMb(echo.pid) },
          target: { on: 'value', op: '<=', limit: RSS_TARGET_MB },
        },
      ];
    },
  };
}

/** Before any load: what an idle daemon costs a host. */
export const rssIdle = rssSection('rss-idle', 'idle', 'idle');
/** Runs after the load sections in the list, so it sees what they left behind. */
export const rssAfterLoad = rssSection('rss-after-load', 'after load', 'after_load');
