import * as fs from 'node:fs';
import * as path from 'node:path';
import { offsetModel, startReferenceProcess, type OffsetModelParams } from '@chronotick/reference';
import { simScenario, type SimScenario } from '@chronotick/sim';
import { runScenario } from 'chronotickd';
import { sampleErrors, waitReady, type SampledRun } from '../lib/live';
import { startServer } from '../lib/servers';
import type { BenchContext, Figure, Section } from '../section';

/** The clock both runs share: +10 ms, +30 ppm, random-walk wander, a 2-minute sine. */
const CLOCK: OffsetModelParams = {
  initialOffsetS: 0.01,
  driftPpm: 30,
  wanderSPerSqrtS: 2e-6,
  sineAmplitudeS: 100e-6,
  sinePeriodS: 120,
  seed: 7,
};
/** σ of the reference's extra one-way delay per direction (half-normal). */
const JITTER_S = 200e-6;
const POLL_S = 4;

function yaml(server: string, warmUpS: number): string {
  return [
    'clock_measurement:',
    `  ntp: {servers: ["${server}"], timeout_seconds: 0.5, min_poll_seconds: 0.2}`,
    '  timing:',
    `    warm_up: {duration_seconds: ${warmUpS}, measurement_interval: 0.5}`,
    `    normal_operation: {measurement_interval: ${POLL_S}}`,
  ].join('\n');
}

/** The simulated twin: the same clock function of host time, a loopback-like path with the reference's jitter. */
function twin(durationS: number, warmUpS: number): SimScenario {
  const base = simScenario('local_server', { seed: CLOCK.seed ?? 1 });
  const name = 'sim-local.example:123';
  return {
    ...base,
    durationS,
    queryIntervalS: 1,
    servers: [
      {
        name,
        server: { kind: 'honest', stratum: 1, refId: 'SIM', rootDelayS: 0, rootDispersionS: 0 },
        // Half-normal with σ has mean σ·√(2/π); loopback itself adds ~50 µs of round trip.
        path: { baseDelayS: 50e-6, queueMeanS: JITTER_S * Math.sqrt(2 / Math.PI) },
      },
    ],
    config: {
      clock_measurement: {
        ntp: { servers: [name], min_poll_seconds: 0.2, timeout_seconds: 0.5, max_acceptable_uncertainty: 0.05 },
        timing: {
          warm_up: { duration_seconds: warmUpS, measurement_interval: 0.5 },
          normal_operation: { measurement_interval: POLL_S, min_interval: POLL_S },
          local_servers: { min_interval: POLL_S, max_interval: POLL_S },
        },
      },
    },
  };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/**
 * Faithfulness of the simulator (issue 12): one clock run both ways — the live daemon
 * against the programmable reference on loopback, and the simulator with the same
 * clock (the reference's own offset model) and a path with the same jitter — and the
 * served errors after warm-up compared. Target: within 2× of each other.
 */
export const faithfulness: Section = {
  id: 'faithfulness',
  title: 'simulator vs live: one clock, both ways',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const warmUpS = 20;
    const sampleS = ctx.options.quick ? 30 : 180;
    // Kernel timestamps at the reference, as in chrony-live: the twin's server has no
    // event loop to be late in, so neither may the live one.
    const ref = await startReferenceProcess({ ...CLOCK, jitterS: JITTER_S, kernelTimestamps: true });
    let liveRun: SampledRun;
    try {
      const dir = ctx.registry.tempDir('ct-bench-faithful-');
      const file = path.join(dir, 'config.yaml');
      fs.writeFileSync(file, yaml(ref.server, warmUpS));
      ctx.progress(`faithfulness: live daemon against the reference, ${warmUpS} s warm-up, ${sampleS} s of queries`);
      const daemon = await startServer(ctx.registry, 'daemon', {
        env: { CHRONOTICK_NTP_SERVERS: ref.server },
        extraArgs: ['--config', file],
      });
      await waitReady(daemon, warmUpS + 30);
      liveRun = await sampleErrors(daemon, ref.trueOffsetAt, sampleS);
      await ctx.registry.stop(daemon.child);
    } finally {
      await ref.close();
    }
    ctx.progress('faithfulness: the same clock in the simulator');
    const scenario = twin(warmUpS + 10 + sampleS, warmUpS);
    const simulated: number[] = [];
    let simHeld95 = 0;
    await runScenario(scenario, {
      world: { offsetAtHostS: offsetModel(CLOCK, scenario.startS) },
      onQuery: (q, world) => {
        if (world.scheduler.elapsedS <= warmUpS + 10) return;
        const errorS = q.answer.offset_correction - q.trueOffsetS;
        simulated.push(Math.abs(errorS));
        if (q.answer.time_uncertainty !== null && Math.abs(errorS) <= 1.96 * q.answer.time_uncertainty) simHeld95++;
      },
    });
    const live = liveRun.served;
    const liveCoverage = liveRun.claimed === 0 ? NaN : liveRun.held95 / liveRun.claimed;
    const note = `clock +10 ms, +30 ppm, 2 µs/√s wander, 100 µs sine; ${JITTER_S * 1e6} µs jitter per direction; polled every ${POLL_S} s; live ${live.length} answers, simulated ${simulated.length}`;
    const errors = [0.5, 0.95].map((q) => ({
      key: `faithful_p${q * 100}_error_us`,
      label: `served |error| p${q * 100}, simulated`,
      value: quantile(simulated, q) * 1e6,
      unit: 'us' as const,
      baseline: { label: 'live, same clock', value: quantile(live, q) * 1e6 },
      target: { on: 'ratio' as const, op: 'within' as const, lower: 0.5, limit: 2 },
      note,
    }));
    return [
      ...errors,
      {
        key: 'faithful_coverage_95',
        label: 'the 95% interval held the truth, simulated',
        value: simulated.length === 0 ? NaN : simHeld95 / simulated.length,
        unit: 'fraction' as const,
        baseline: { label: 'live, same clock', value: liveCoverage },
        note: `live: [earliest, latest] held ${liveRun.heldInterval}/${liveRun.claimed}, the hard bound ${liveRun.heldHard}/${liveRun.claimed} (the live truth carries the two processes' realtime disagreement)`,
      },
    ];
  },
};
