import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChronoTickClient } from '@chronotick/client';
import { startReferenceProcess, type OffsetModelParams } from '@chronotick/reference';
import { startChronydClient, type ChronydClient } from '../lib/chronyd-client';
import { startServer, type ServerHandle } from '../lib/servers';
import { waitReady } from '../lib/live';
import { percentile } from '../lib/stats';
import type { BenchContext, Figure, Section } from '../section';

/** Both poll every 2^4 = 16 s: the same information, so only what each makes of it differs. */
const POLL_LOG2 = 4;
const POLL_S = 2 ** POLL_LOG2;

interface Phase {
  key: string;
  label: string;
  clock: OffsetModelParams & { jitterS: number };
  outage: boolean;
  /** Seconds both run before anything is scored (full run; the quick run takes 60). */
  settleS: number;
}

const PHASES: readonly Phase[] = [
  {
    key: 'drift',
    label: 'plain drift (50 ppm)',
    clock: { initialOffsetS: 0.002, driftPpm: 50, jitterS: 100e-6, seed: 2027 },
    outage: false,
    settleS: 300,
  },
  {
    key: 'wander',
    label: 'wander (50 ppm, ±500 µs over 15 min, random walk)',
    clock: {
      initialOffsetS: 0.002,
      driftPpm: 50,
      sineAmplitudeS: 500e-6,
      sinePeriodS: 900,
      wanderSPerSqrtS: 1e-6,
      jitterS: 100e-6,
      seed: 2028,
    },
    outage: true,
    // 40 minutes and the 10 of tracking: a swing of 15 min must be seen about twice before
    // a model shows it (25 min) and then win 14 of 20 scored minutes before fusion serves
    // it, as on a host that has run for a while. chronyd gets the same.
    settleS: 2400,
  },
];

/** The chronotickd variants measured beside chronyd: the default models, and the online model of this host. */
const VARIANTS = [
  { key: 'default', label: 'chronotickd', extra: '' },
  {
    key: 'residual_ar',
    label: 'chronotickd, short_term residual_ar',
    extra: 'short_term: {model_name: residual_ar, inference_interval: 4}',
  },
] as const;

type Errors = Record<string, number[]>;

/**
 * chronyd as a client (-x: it never touches the clock) beside chronotickd, both polling
 * the same programmable reference every 16 s in the same run, each answer scored against
 * the reference's truth at the host instant it describes: chronotickd's get_time, and
 * chronyd's corrected time as it serves it over NTP on loopback. A plain drift, then a
 * wandering clock with an outage of the reference (silent) in which both hold over.
 */
export const chronyLive: Section = {
  id: 'chrony-live',
  title: 'live, same run, same polling: chronotickd against chronyd as a client',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const quick = ctx.options.quick;
    const trackS = quick ? 60 : 600;
    const outageS = quick ? 90 : 600;
    const figures: Figure[] = [];
    const wanted = ctx.options.chronyPhases;
    const unknown = wanted.filter((k) => !PHASES.some((p) => p.key === k));
    if (unknown.length > 0)
      throw new Error(`unknown chrony-live phase ${unknown.join(', ')}; known: ${PHASES.map((p) => p.key).join(', ')}`);
    for (const phase of PHASES.filter((p) => wanted.length === 0 || wanted.includes(p.key))) {
      const settleS = quick ? 60 : phase.settleS;
      ctx.progress(
        `chrony live, ${phase.label}: ${settleS} s settling, ${trackS} s tracking${phase.outage ? `, ${outageS} s outage` : ''}`,
      );
      // Kernel timestamps at the reference: stamped in Node's event loop, its T2 is late by
      // 200–500 µs on this VM, which chronyd (kernel timestamps itself) measures as
      // a +100–250 µs offset while a Node client, as late, cancels most of it.
      const ref = await startReferenceProcess({ ...phase.clock, kernelTimestamps: true });
      const daemons: ServerHandle[] = [];
      let chrony: ChronydClient | null = null;
      try {
        chrony = await startChronydClient(ctx.registry, ref.server, POLL_LOG2);
        const env = { CHRONOTICK_NTP_SERVERS: ref.server };
        for (const v of VARIANTS)
          daemons.push(await startServer(ctx.registry, 'daemon', { env, extraArgs: daemonConfig(ctx, ref.server, v.extra) }));
        await Promise.all(daemons.map((d) => waitReady(d, 60)));
        await sleep(settleS * 1000);
        const tracking = await sampleAll(daemons, chrony, ref.trueOffsetAt, trackS);
        figures.push(...compare(phase, 'tracking', tracking, [0.5, 0.95], { on: 'ratio', op: '<=', limit: 1.0 }));
        if (phase.outage) {
          ref.setFault('silent');
          const outage = await sampleAll(daemons, chrony, ref.trueOffsetAt, outageS);
          ref.setFault('none');
          figures.push(...compare(phase, `${outageS / 60} min outage`, outage, [0.95], { on: 'ratio', op: '<=', limit: 0.3 }));
        }
      } finally {
        for (const d of daemons) await ctx.registry.stop(d.child);
        if (chrony) await ctx.registry.stop(chrony.child);
        await ref.close();
      }
    }
    return figures;
  },
};

function daemonConfig(ctx: BenchContext, server: string, extra: string): string[] {
  const file = path.join(ctx.registry.tempDir('ct-bench-chrony-live-'), 'config.yaml');
  fs.writeFileSync(
    file,
    [
      'clock_measurement:',
      `  ntp: {servers: ["${server}"], timeout_seconds: 0.5, min_poll_seconds: 1}`,
      '  timing:',
      // chronyd's iburst, then its fixed minpoll = maxpoll = 4, for a server on loopback too.
      '    warm_up: {duration_seconds: 8, measurement_interval: 2}',
      `    normal_operation: {measurement_interval: ${POLL_S}, min_interval: ${POLL_S}}`,
      `    local_servers: {min_interval: ${POLL_S}, max_interval: ${POLL_S}}`,
      extra,
    ].join('\n'),
  );
  return ['--config', file];
}

/** Once a second: every daemon's get_time and chronyd's served time, each against the truth at its own host instant. */
async function sampleAll(
  daemons: readonly ServerHandle[],
  chrony: ChronydClient,
  truth: (hostS: number) => number,
  seconds: number,
): Promise<Errors> {
  const clients = daemons.map((d) => new ChronoTickClient({ socketPaths: [d.socketPath] }));
  const out: Errors = { chronyd: [] };
  try {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      for (const [i, client] of clients.entries()) {
        const a = await client.request('get_time');
        (out[VARIANTS[i]?.key ?? String(i)] ??= []).push(Math.abs(a.offset_correction - truth(a.system_time)));
      }
      const c = await chrony.offset();
      if (c !== null) out['chronyd']?.push(Math.abs(c.offsetS - truth(c.hostS)));
      await sleep(1000);
    }
  } finally {
    for (const c of clients) c.close();
  }
  return out;
}

/**
 * chronyd tracking a loopback reference every 16 s errs by tens of µs; a median error of
 * milliseconds means what answered on its port was not a synchronized chronyd (one run
 * beside the test suite read a median 56.7 s), and no ratio against it means anything.
 */
const BASELINE_SANE_P50_S = 5e-3;

function compare(phase: Phase, part: string, errors: Errors, quantiles: readonly number[], target: Figure['target']): Figure[] {
  const chrony = errors['chronyd'] ?? [];
  const chronyP50S = safePercentile(chrony, 50);
  const invalid =
    chronyP50S < BASELINE_SANE_P50_S
      ? {}
      : { invalid: `chronyd's own p50 error ${(chronyP50S * 1e3).toFixed(3)} ms (${chrony.length} answers): not a synchronized baseline` };
  return VARIANTS.flatMap((v) =>
    quantiles.map((q) => {
      const ours = errors[v.key] ?? [];
      const p = Math.round(q * 100);
      return {
        key: `chrony_live_${phase.key}_${part.replace(/\W+/g, '_')}_${v.key}_p${p}_error_us`,
        label: `p${p} |error|, ${phase.label}, ${part}: ${v.label}`,
        value: safePercentile(ours, p) * 1e6,
        unit: 'us' as const,
        baseline: { label: 'chronyd -x, same reference and polling', value: safePercentile(chrony, p) * 1e6 },
        ...(q >= 0.95 && target ? { target } : {}),
        note: `${ours.length} get_time and ${chrony.length} chronyd answers, 1 s apart; both poll every ${POLL_S} s`,
        ...invalid,
      };
    }),
  );
}

/** NaN, shown as such, when one side never answered (chronyd not yet synchronized). */
function safePercentile(samples: readonly number[], p: number): number {
  return samples.length === 0 ? NaN : percentile(samples, p);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
