import { NtpSampler, type NtpRound, type NtpSamplerConfig, type NtpSamplerDeps } from '../src/sampler';
import type { NtpQueryRequest, TimerApi } from '../src/query';
import type { NtpQueryResult } from '../src/validate';

/** Virtual time: timers fire only when the test advances the clock. */
class FakeTimers implements TimerApi {
  nowMs = 1_000_000;
  private nextId = 1;
  private readonly queue = new Map<number, { atMs: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.queue.set(id, { atMs: this.nowMs + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.queue.delete(handle as number);
  }
  get pending(): number {
    return this.queue.size;
  }
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      let next: [number, { atMs: number; fn: () => void }] | undefined;
      for (const e of this.queue) if (e[1].atMs <= target && (!next || e[1].atMs < next[1].atMs)) next = e;
      if (!next) break;
      this.queue.delete(next[0]);
      this.nowMs = next[1].atMs;
      next[1].fn();
    }
    this.nowMs = target;
    await new Promise((r) => setImmediate(r));
  }
}

type Behaviour = (req: NtpQueryRequest, nowS: number) => NtpQueryResult;

const answer = (offsetS: number): Behaviour => {
  let t = 0;
  return (req, nowS) => ({
    ok: true,
    server: req.server,
    address: req.address,
    tS: nowS,
    offsetS,
    delayS: 0.0002,
    rootDelayS: 0,
    rootDispersionS: 0,
    stratum: 2,
    leap: 0,
    precisionS: 1e-6,
    refId: '127.0.0.1',
    uncertaintyS: 0.0001,
    serverTransmit: { seconds: ++t, fraction: 0 },
  });
};
const fail =
  (reason: 'timeout' | 'kod', kodCode?: string): Behaviour =>
  (req) => ({
    ok: false,
    server: req.server,
    address: req.address,
    reason,
    detail: reason,
    ...(kodCode ? { kodCode } : {}),
  });

function setup(
  config: Partial<NtpSamplerConfig>,
  behaviours: Record<string, Behaviour>,
  extra: { address?: string; pollFeedback?: NtpSamplerDeps['pollFeedback'] } = {},
) {
  const timers = new FakeTimers();
  const clock = (): number => timers.nowMs / 1000;
  const polls: Record<string, number[]> = {};
  const rounds: NtpRound[] = [];
  const servers = Object.keys(behaviours);
  const sampler = new NtpSampler(
    {
      servers,
      intervalS: 64,
      warmUp: { durationS: 60, intervalS: 2 },
      minPollS: 1,
      timeoutMs: 500,
      maxUncertaintyS: 0.1,
      ...config,
    },
    {
      clock,
      timers,
      resolver: async () => [{ address: extra.address ?? '127.0.0.1', family: 4 }],
      ...(extra.pollFeedback ? { pollFeedback: extra.pollFeedback } : {}),
      query: async (req) => {
        (polls[req.server] ??= []).push(clock());
        const b = behaviours[req.server];
        if (!b) throw new Error('unknown server');
        return b(req, clock());
      },
      onRound: (r) => rounds.push(r),
    },
  );
  return { timers, sampler, polls, rounds };
}

const gaps = (times: number[] = []): number[] => times.slice(1).map((t, i) => Math.round((t - (times[i] ?? 0)) * 1000) / 1000);

describe('NtpSampler', () => {
  test('samples densely during warm-up, then at the normal interval', async () => {
    const { timers, sampler, polls, rounds } = setup({ spreadMs: 0 }, { '10.0.0.1': answer(0.05) });
    sampler.start();
    expect(sampler.status().state).toBe('warming_up');
    await timers.advance(30_000);
    expect(sampler.status().warmup_progress).toBeCloseTo(0.5, 2);
    await timers.advance(300_000);
    const g = gaps(polls['10.0.0.1']);
    expect(g.filter((x) => x === 2).length).toBeGreaterThanOrEqual(29);
    expect(g.slice(-3)).toEqual([64, 64, 64]);
    expect(sampler.status().state).toBe('running');
    expect(rounds.at(-1)?.phase).toBe('normal');
    expect(rounds.at(-1)?.combined).toMatchObject({ ok: true, offsetS: 0.05 });
    await sampler.stop();
  });

  test('never polls a server faster than min_poll_seconds', async () => {
    const { timers, sampler, polls } = setup({ minPollS: 5 }, { a: answer(0), b: answer(0) });
    sampler.start();
    await timers.advance(120_000);
    for (const s of ['a', 'b']) {
      expect(polls[s]?.length).toBeGreaterThan(10);
      expect(Math.min(...gaps(polls[s]))).toBeGreaterThanOrEqual(5);
    }
    await sampler.stop();
  });

  test('spreads the queries of a round over time', async () => {
    const { timers, sampler, polls } = setup({ spreadMs: 25 }, { a: answer(0), b: answer(0), c: answer(0) });
    sampler.start();
    await timers.advance(1_000);
    expect([polls['a']?.[0], polls['b']?.[0], polls['c']?.[0]].map((t) => Math.round(((t ?? 0) - 1000) * 1000))).toEqual([0, 25, 50]);
    await sampler.stop();
  });

  test('a falseticker gets no weight in the round result', async () => {
    const { timers, sampler, rounds } = setup(
      {},
      { a: answer(0.0001), b: answer(0.0), c: answer(-0.0001), d: answer(0.00005), liar: answer(0.1) },
    );
    sampler.start();
    await timers.advance(1_000);
    const first = rounds[0];
    expect(first?.results).toHaveLength(5);
    expect(first?.combined).toMatchObject({ ok: true, falsetickers: ['liar'] });
    if (first?.combined.ok) expect(first.combined.weights['liar']).toBe(0);
    await sampler.stop();
  });

  test('KoD DENY stops polling that server; RATE halves its rate', async () => {
    const { timers, sampler, polls } = setup(
      { warmUp: { durationS: 0, intervalS: 2 }, intervalS: 10 },
      { good: answer(0), denied: fail('kod', 'DENY'), rate: fail('kod', 'RATE') },
    );
    sampler.start();
    await timers.advance(200_000);
    expect(polls['denied']).toHaveLength(1);
    const rateGaps = gaps(polls['rate']).slice(0, 3);
    expect(rateGaps.map(Math.round)).toEqual([20, 40, 80]);
    rateGaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(20 * 2 ** i));
    expect(Math.max(...gaps(polls['good']))).toBeLessThanOrEqual(10.05);
    const snap = sampler.status().servers.find((s) => s.name === 'denied');
    expect(snap).toMatchObject({ state: 'kod_denied', kod: 'DENY', next_poll_in_s: null });
    await sampler.stop();
  });

  test('when no server answers it backs off, says so plainly, and recovers', async () => {
    let down = true;
    const up = answer(0.01);
    const flaky: Behaviour = (req, now) => (down ? fail('timeout')(req, now) : up(req, now));
    const { timers, sampler, polls, rounds } = setup({ warmUp: { durationS: 0, intervalS: 2 }, intervalS: 4 }, { x: flaky });
    sampler.start();
    await timers.advance(300_000);
    expect(gaps(polls['x']).slice(0, 5)).toEqual([8, 16, 32, 64, 128]);
    const status = sampler.status();
    expect(status.state).toBe('no_response');
    expect(status.message).toMatch(/no NTP server answered.*retrying with back-off/);
    expect(status.servers[0]?.state).toBe('unreachable');
    expect(rounds.every((r) => !r.combined.ok)).toBe(true);
    down = false;
    await timers.advance(300_000);
    expect(sampler.status().state).toBe('running');
    expect(rounds.at(-1)?.combined).toMatchObject({ ok: true, offsetS: 0.01 });
    await sampler.stop();
  });

  test('DNS failures are rejections counted per server, not crashes', async () => {
    const timers = new FakeTimers();
    const rounds: NtpRound[] = [];
    const sampler = new NtpSampler(
      { servers: ['ntp.invalid'], intervalS: 4, warmUp: { durationS: 0, intervalS: 4 }, minPollS: 1, timeoutMs: 100, maxUncertaintyS: 1 },
      {
        clock: () => timers.nowMs / 1000,
        timers,
        resolver: async () => {
          throw new Error('ENOTFOUND');
        },
        onRound: (r) => rounds.push(r),
      },
    );
    sampler.start();
    await timers.advance(20_000);
    expect(rounds[0]?.results[0]).toMatchObject({ ok: false, reason: 'dns' });
    expect(sampler.status().servers[0]?.rejects['dns']).toBeGreaterThanOrEqual(2);
    await sampler.stop();
  });

  test('stop() leaves no timers behind and no more rounds are emitted', async () => {
    const { timers, sampler, rounds } = setup({}, { a: answer(0), b: answer(0) });
    sampler.start();
    await timers.advance(10_000);
    await sampler.stop();
    expect(timers.pending).toBe(0);
    const n = rounds.length;
    await timers.advance(100_000);
    expect(rounds.length).toBe(n);
    expect(sampler.status().state).toBe('stopped');
  });

  test('stop() during a round settles at once, with no query left waiting', async () => {
    const { timers, sampler, polls } = setup({ spreadMs: 500 }, { a: answer(0), b: answer(0), c: answer(0) });
    sampler.start();
    await timers.advance(10);
    expect(polls['a']).toHaveLength(1);
    await sampler.stop(); // b and c are still waiting for their spread slot
    expect(timers.pending).toBe(0);
    expect(polls['b']).toBeUndefined();
  });

  test('every round holds one sample per server, round after round', async () => {
    const { timers, sampler, rounds } = setup({ spreadMs: 7 }, { a: answer(0), b: answer(0), c: answer(0), d: answer(0) });
    sampler.start();
    await timers.advance(400_000);
    expect(rounds.length).toBeGreaterThan(30);
    expect(rounds.every((r) => r.results.length === 4)).toBe(true);
    await sampler.stop();
  });

  test('restartWarmUp() brings dense sampling back at once (after a clock step)', async () => {
    const { timers, sampler, polls } = setup({ warmUp: { durationS: 10, intervalS: 2 }, intervalS: 64 }, { a: answer(0) });
    sampler.start();
    await timers.advance(100_000); // now in the normal phase, next poll up to 64 s away
    expect(sampler.phase()).toBe('normal');
    const before = polls['a']?.length ?? 0;
    sampler.restartWarmUp();
    expect(sampler.status().state).toBe('warming_up');
    await timers.advance(10_000);
    // Dense again, as soon as 2 s after the last poll allows.
    expect((polls['a']?.length ?? 0) - before).toBeGreaterThanOrEqual(3);
    await sampler.stop();
    expect(timers.pending).toBe(0);
  });

  test('an onRound callback that throws does not stop sampling', async () => {
    const timers = new FakeTimers();
    const errors: unknown[] = [];
    let calls = 0;
    const sampler = new NtpSampler(
      { servers: ['127.0.0.1'], intervalS: 2, warmUp: { durationS: 0, intervalS: 2 }, minPollS: 1, timeoutMs: 100, maxUncertaintyS: 1 },
      {
        clock: () => timers.nowMs / 1000,
        timers,
        query: async (req) => answer(0)(req, timers.nowMs / 1000),
        onRound: () => {
          calls++;
          throw new Error('consumer bug');
        },
        onError: (e) => errors.push(e),
      },
    );
    sampler.start();
    await timers.advance(10_000);
    expect(calls).toBeGreaterThan(2);
    expect(errors).toHaveLength(calls);
    await sampler.stop();
  });

  describe('adaptive polling', () => {
    const steady = (): { windowSamples: number; predictionErrorS: number; distanceS: number; scatterS: number; noiseS: number } => ({
      windowSamples: 64,
      predictionErrorS: 1e-5,
      distanceS: 0.01,
      scatterS: 1e-4,
      noiseS: 5e-4,
    });

    test('a public server climbs from the minimum to measurement_interval while the clock is steady', async () => {
      const { timers, sampler, polls } = setup(
        {
          warmUp: { durationS: 8, intervalS: 2 },
          intervalS: 1024,
          adaptive: { minIntervalS: 64, local: { minIntervalS: 1, maxIntervalS: 16 } },
        },
        { 'pool.example': answer(0.01) },
        { address: '192.0.2.7', pollFeedback: steady },
      );
      sampler.start();
      await timers.advance(6 * 3600_000);
      const g = gaps(polls['pool.example']);
      // The iburst (four polls 2 s apart), then four polls at each interval before it doubles, up to the maximum.
      expect(g.slice(0, 4)).toEqual([2, 2, 2, 64]);
      expect(g.filter((x) => x === 64).length).toBeGreaterThanOrEqual(4);
      expect(g).toContain(256);
      expect(g.slice(-3)).toEqual([1024, 1024, 1024]);
      expect(Math.min(...g.slice(4))).toBeGreaterThanOrEqual(60);
      expect(sampler.status().servers[0]?.poll_interval_s).toBe(1024);
      await sampler.stop();
    });

    test('the interval falls back to the minimum when the clock wanders more than the path scatters', async () => {
      let wandering = false;
      const { timers, sampler, polls } = setup(
        { warmUp: { durationS: 0, intervalS: 2 }, intervalS: 1024, adaptive: { minIntervalS: 64 } },
        { 'pool.example': answer(0.01) },
        { address: '192.0.2.7', pollFeedback: () => (wandering ? { ...steady(), scatterS: 4e-3 } : steady()) },
      );
      sampler.start();
      await timers.advance(4 * 3600_000);
      expect(gaps(polls['pool.example']).at(-1)).toBe(1024);
      wandering = true;
      await timers.advance(3 * 3600_000);
      expect(gaps(polls['pool.example']).slice(-3)).toEqual([64, 64, 64]);
      await sampler.stop();
    });

    test('a server on loopback or the LAN is polled densely, within the local bounds', async () => {
      const { timers, sampler, polls } = setup(
        {
          warmUp: { durationS: 8, intervalS: 2 },
          intervalS: 1024,
          adaptive: { minIntervalS: 64, local: { minIntervalS: 1, maxIntervalS: 16 } },
        },
        { 'ntp.lan': answer(0.01) },
        { address: '192.168.1.5', pollFeedback: steady },
      );
      sampler.start();
      await timers.advance(600_000);
      const g = gaps(polls['ntp.lan']);
      expect(g.slice(0, 7)).toEqual([2, 2, 2, 2, 1, 1, 1]);
      expect(g.slice(-3)).toEqual([16, 16, 16]);
      expect(sampler.status().servers[0]?.poll_interval_s).toBe(16);
      await sampler.stop();
    });

    test('without feedback the interval stays at the minimum; KoD RATE still stretches it', async () => {
      const { timers, sampler, polls } = setup(
        { warmUp: { durationS: 0, intervalS: 2 }, intervalS: 1024, adaptive: { minIntervalS: 64 }, minPollS: 16 },
        { 'pool.example': fail('kod', 'RATE') },
        { address: '192.0.2.7' },
      );
      sampler.start();
      await timers.advance(3 * 3600_000);
      const g = gaps(polls['pool.example']);
      expect(g[0]).toBe(128);
      expect(g.at(-1)).toBe(1024);
      await sampler.stop();
    });
  });
});
