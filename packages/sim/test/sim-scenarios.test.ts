import { NtpSampler, type NtpRound, type NtpSample } from '@chronotick/ntp';
import { SIM_SCENARIOS, buildSimWorld, simScenario, type SimScenario, type SimWorld } from '@chronotick/sim';

/** The sampler as the daemon would configure it from the scenario's config overrides. */
function startSampler(world: SimWorld, rounds: NtpRound[]): NtpSampler {
  const { ntp, timing } = world.scenario.config.clock_measurement;
  if (timing === undefined || ntp.min_poll_seconds === undefined) throw new Error('these tests run the scenarios at their own polling');
  const sampler = new NtpSampler(
    {
      servers: ntp.servers,
      intervalS: timing.normal_operation.measurement_interval,
      warmUp: { durationS: timing.warm_up.duration_seconds, intervalS: timing.warm_up.measurement_interval },
      minPollS: ntp.min_poll_seconds,
      timeoutMs: ntp.timeout_seconds * 1000,
      maxUncertaintyS: ntp.max_acceptable_uncertainty,
    },
    {
      clock: () => world.hostClock.now().realtimeS,
      monotonicS: () => world.hostClock.now().monotonicS,
      timers: world.scheduler.timers,
      query: world.network.query,
      resolver: world.network.resolver,
      onRound: (r) => rounds.push(r),
    },
  );
  sampler.start();
  return sampler;
}

describe('scenario catalogue', () => {
  test('every scenario is plain data: it survives JSON unchanged and names its servers in the daemon config', () => {
    for (const name of SIM_SCENARIOS) {
      const scenario = simScenario(name, { seed: 5 });
      expect(JSON.parse(JSON.stringify(scenario))).toEqual(scenario);
      expect(scenario.name).toBe(name);
      expect(scenario.queryIntervalS).toBe(10);
      expect(scenario.config.clock_measurement.ntp.servers).toEqual(scenario.servers.map((s) => s.name));
      expect(scenario.hostClock.seed).toBe(5);
    }
  });

  test('the catalogue holds the conditions it names', () => {
    const s = (name: string, hours?: number): SimScenario => simScenario(name, hours === undefined ? {} : { hours });
    expect(s('steady_quartz').hostClock.driftPpm).toBe(12);
    expect(s('vm_fast_drift').hostClock.driftPpm).toBe(150);
    expect(s('temperature_wander').hostClock.temperature?.ppmPerC).toBeGreaterThan(0);
    expect(s('host_step').hostClock.steps).toEqual([{ atS: 3600, stepS: 0.05 }]);
    expect(s('suspend_resume').hostClock.suspends).toEqual([{ atS: 7200, durationS: 1200 }]);
    expect(s('ntp_outage_30min').servers.every((e) => e.path.outages?.[0]?.durationS === 1800)).toBe(true);
    expect(s('falseticker').servers.map((e) => e.server.kind)).toEqual(['honest', 'honest', 'falseticker']);
    expect(s('path_asymmetry').servers.every((e) => e.path.fixedAsymmetryS === 0.002)).toBe(true);
    expect(s('poll_10s').config.clock_measurement.timing?.normal_operation).toEqual({ measurement_interval: 10, min_interval: 10 });
    expect(s('poll_sparse').config.clock_measurement.timing?.normal_operation.measurement_interval).toBe(1024);
    // At the daemon's default polling the scenario names only its servers; the clock and paths are the same.
    const atDefault = simScenario('temperature_wander', { polling: 'default' });
    expect(atDefault.config.clock_measurement).toEqual({
      ntp: { servers: s('temperature_wander').config.clock_measurement.ntp.servers, timeout_seconds: 2, max_acceptable_uncertainty: 0.05 },
    });
    expect(atDefault.hostClock).toEqual(s('temperature_wander').hostClock);
    expect(() => simScenario('steady_quartz', { polling: 'sometimes' as 'default' })).toThrow(/polling must be one of/);
    const leap = s('leap_smear_mix', 30);
    expect(leap.leapAtS).toBe(15 * 3600);
    expect(leap.servers.map((e) => [e.server.kind, e.server.leapAtS])).toEqual([
      ['leap_smear', 15 * 3600],
      ['leap_step', 15 * 3600],
      ['honest', undefined],
    ]);
    expect(s('kod_and_silent').servers.map((e) => e.server.kind)).toEqual(['kod_rate', 'silent', 'honest']);
    expect(s('local_server').servers[0]?.path).toEqual({ baseDelayS: 100e-6, queueMeanS: 20e-6 });
    expect(s('steady_quartz', 0.5).durationS).toBe(1800);
  });

  test('unknown names and bad options are refused with stable codes', () => {
    expect(() => simScenario('nope')).toThrow(
      expect.objectContaining({ code: 'SIM_UNKNOWN_SCENARIO', message: expect.stringContaining('steady_quartz') }),
    );
    expect(() => simScenario('steady_quartz', { hours: 0 })).toThrow(expect.objectContaining({ code: 'SIM_BAD_CONFIG' }));
    expect(() => simScenario('steady_quartz', { seed: 1.5 })).toThrow(expect.objectContaining({ code: 'SIM_BAD_CONFIG' }));
  });

  test('a caller editing its scenario does not change the next one', () => {
    const first = simScenario('host_step');
    first.hostClock.steps?.push({ atS: 10, stepS: 1 });
    (first.servers[0] as { path: { baseDelayS: number } }).path.baseDelayS = 9;
    expect(simScenario('host_step')).toEqual(simScenario('host_step', { seed: 1 }));
    expect(simScenario('host_step').hostClock.steps).toHaveLength(1);
  });

  test('streams are independent: a lossier path for one server leaves the clock and the other paths as they were', async () => {
    const base = simScenario('steady_quartz', { seed: 2 });
    const lossy = simScenario('steady_quartz', { seed: 2 });
    const first = lossy.servers[0];
    if (!first) throw new Error('no server');
    first.path.lossProbability = 0.5;
    const draws = async (scenario: SimScenario) => {
      const world = buildSimWorld(scenario);
      const clock = () => world.hostClock.now().realtimeS;
      const out: number[] = [];
      for (let i = 0; i < 5; i++) {
        for (const entry of scenario.servers) {
          void world.network.query({
            server: entry.name,
            address: world.network.addressOf(entry.name) ?? '',
            port: 123,
            clock,
            timeoutMs: 2000,
          });
        }
        await world.scheduler.runFor(60);
        out.push(world.hostClock.trueOffsetAtTrue(world.scheduler.nowS));
      }
      return { offsets: out, others: world.network.exchanges.filter((e) => e.server !== first.name).map((e) => [e.forwardS, e.returnS]) };
    };
    const a = await draws(base);
    const b = await draws(lossy);
    expect(b.offsets).toEqual(a.offsets);
    expect(b.others).toEqual(a.others);
    expect(b.others.length).toBeGreaterThan(5);
  });

  test('every scenario runs the real sampler for half an hour and measures within the paths’ bounds', async () => {
    for (const name of SIM_SCENARIOS) {
      const world = buildSimWorld(simScenario(name, { hours: 0.5 }));
      const rounds: NtpRound[] = [];
      const sampler = startSampler(world, rounds);
      await world.scheduler.runUntil(world.endS);
      await sampler.stop();
      const samples = rounds.flatMap((r) => r.results.filter((x): x is NtpSample => x.ok));
      expect({ name, some: samples.length > 0 }).toEqual({ name, some: true });
      const honest = new Set(world.scenario.servers.filter((e) => e.server.kind === 'honest').map((e) => e.name));
      const errorsS: number[] = [];
      for (const x of samples.filter((x) => honest.has(x.server))) {
        const errorS = x.offsetS - world.hostClock.trueOffsetAtHost(x.tS);
        // Within δ/2, as NTP guarantees, plus the servers' own 5 µs timestamp jitter.
        expect({ name, within: Math.abs(errorS) <= x.delayS / 2 + 5e-5 }).toEqual({ name, within: true });
        errorsS.push(errorS);
      }
      if (world.scenario.servers[0]?.path.fixedAsymmetryS === 0.002) {
        const meanS = errorsS.reduce((a, b) => a + b, 0) / errorsS.length;
        expect(meanS).toBeCloseTo(-0.001, 3);
      }
    }
  });
});
