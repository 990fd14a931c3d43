import { ChronoTickClient } from '@chronotick/client';
import type { ServerHandle } from './servers';

/** Polls a daemon's status until it says `ready`. */
export async function waitReady(server: ServerHandle, timeoutS: number): Promise<void> {
  const client = new ChronoTickClient({ socketPaths: [server.socketPath] });
  try {
    const deadline = Date.now() + timeoutS * 1000;
    while (Date.now() < deadline) {
      if ((await client.request('get_daemon_status')).status === 'ready') return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`daemon not ready within ${timeoutS} s`);
  } finally {
    client.close();
  }
}

/** One daemon's answers over a run: errors of what it served and of its linear fit alone, and the sources it served from. */
export interface SampledRun {
  served: number[];
  linearFit: number[];
  sources: Record<string, number>;
}

/** Asks get_time every 100 ms for `seconds`, each answer against the truth at the host instant it read. */
export async function sampleErrors(server: ServerHandle, trueOffsetAt: (t: number) => number, seconds: number): Promise<SampledRun> {
  const client = new ChronoTickClient({ socketPaths: [server.socketPath] });
  const run: SampledRun = { served: [], linearFit: [], sources: {} };
  try {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const a = await client.request('get_time', { include_stats: true });
      const truth = trueOffsetAt(a.system_time);
      run.served.push(Math.abs(a.offset_correction - truth));
      const linear = (a.detailed_stats as { linear_fit_offset_correction?: number | null } | undefined)?.linear_fit_offset_correction;
      if (typeof linear === 'number') run.linearFit.push(Math.abs(linear - truth));
      run.sources[a.source] = (run.sources[a.source] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
  return run;
}
