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
  /** Answers whose ±1.96σ, [earliest, latest] and hard bound held the truth, of `claimed` (answers with intervals). */
  held95: number;
  heldInterval: number;
  heldHard: number;
  claimed: number;
}

/** Asks get_time every 100 ms for `seconds`, each answer against the truth at the host instant it read. */
export async function sampleErrors(server: ServerHandle, trueOffsetAt: (t: number) => number, seconds: number): Promise<SampledRun> {
  const client = new ChronoTickClient({ socketPaths: [server.socketPath] });
  const run: SampledRun = { served: [], linearFit: [], sources: {}, held95: 0, heldInterval: 0, heldHard: 0, claimed: 0 };
  try {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const a = await client.request('get_time', { include_stats: true });
      const truth = trueOffsetAt(a.system_time);
      run.served.push(Math.abs(a.offset_correction - truth));
      const linear = (a.detailed_stats as { linear_fit_offset_correction?: number | null } | undefined)?.linear_fit_offset_correction;
      if (typeof linear === 'number') run.linearFit.push(Math.abs(linear - truth));
      run.sources[a.source] = (run.sources[a.source] ?? 0) + 1;
      if (a.time_uncertainty !== null && a.earliest !== null && a.latest !== null && a.hard_earliest !== null && a.hard_latest !== null) {
        run.claimed++;
        const errorS = a.offset_correction - truth;
        if (Math.abs(errorS) <= 1.96 * a.time_uncertainty) run.held95++;
        // In offset space, so 1.8e9 s of magnitude does not eat the microseconds.
        const inside = (lo: number, hi: number): boolean => truth >= lo - a.system_time && truth <= hi - a.system_time;
        if (inside(a.earliest, a.latest)) run.heldInterval++;
        if (inside(a.hard_earliest, a.hard_latest)) run.heldHard++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
  return run;
}
