import type { NtpQueryRequest, NtpQueryResult } from '@chronotick/ntp';
import { SimHostClock, SimNetwork, VirtualScheduler, type SimPathParams, type SimServerEntry, type SimServerParams } from '@chronotick/sim';
import { INTERNET_PATH, QUIET_PATH, START_S, name } from './support/sim-world';

function world(entries: SimServerEntry[], seed = 1) {
  const scheduler = new VirtualScheduler({ startS: START_S });
  const host = new SimHostClock(scheduler, { initialOffsetS: -0.25, driftPpm: 40, suspends: [{ atS: 5000, durationS: 600 }] });
  const network = new SimNetwork(scheduler, { servers: entries, seed });
  const request = (server: string, extra: Partial<NtpQueryRequest> = {}): NtpQueryRequest => ({
    server,
    address: network.addressOf(server) ?? 'none',
    port: 123,
    clock: () => host.now().realtimeS,
    timeoutMs: 1500,
    timers: scheduler.timers,
    ...extra,
  });
  /** Starts a query, runs virtual time until it settles, and says when (seconds after it was sent). */
  const ask = async (req: NtpQueryRequest, untilS = 10): Promise<{ result: NtpQueryResult; afterS: number }> => {
    const sentS = scheduler.elapsedS;
    let settled: { result: NtpQueryResult; afterS: number } | null = null;
    void network.query(req).then((result) => {
      settled = { result, afterS: scheduler.elapsedS - sentS };
    });
    await scheduler.runFor(untilS);
    if (settled === null) throw new Error('query did not settle');
    return settled;
  };
  return { scheduler, host, network, request, ask };
}

const entry = (letter: string, server: SimServerParams, path: SimPathParams = QUIET_PATH): SimServerEntry => ({
  name: name(letter),
  server,
  path,
});

describe('SimNetwork.query', () => {
  test('answers through the real exchange: θ = truth + (forward − return)/2, the reply arriving after the round trip', async () => {
    const { ask, request, network, scheduler } = world([entry('a', { kind: 'honest' }, INTERNET_PATH)]);
    for (let i = 0; i < 20; i++) {
      await scheduler.runFor(30);
      const { result, afterS } = await ask(request(name('a')));
      if (!result.ok) throw new Error(`rejected: ${result.reason}`);
      const truth = network.exchanges.at(-1);
      if (!truth) throw new Error('no exchange record');
      expect(result.tS).toBe(truth.t4HostS);
      expect(afterS).toBeCloseTo(truth.forwardS + truth.returnS + 20e-6, 9);
      // 40 ppm over a 25 ms exchange moves θ by 1 µs; the rest is float rounding at 1.7e9.
      expect(result.offsetS).toBeCloseTo(truth.trueOffsetAtT4S + (truth.forwardS - truth.returnS) / 2, 5);
      expect(result.delayS).toBeCloseTo(truth.forwardS + truth.returnS, 5);
    }
    expect(network.requests[name('a')]).toBe(20);
  });

  test('a fixed return asymmetry biases the offset by −asymmetry/2', async () => {
    const { ask, request, network } = world([entry('a', { kind: 'honest' }, { baseDelayS: 0.02, queueMeanS: 0, fixedAsymmetryS: 0.002 })]);
    const { result } = await ask(request(name('a')));
    if (!result.ok) throw new Error(`rejected: ${result.reason}`);
    expect(result.offsetS - (network.exchanges[0]?.trueOffsetAtT4S ?? NaN)).toBeCloseTo(-0.001, 5);
  });

  test('the server honours its own error: offsetS shifts the measured offset by the same amount', async () => {
    const { ask, request, network } = world([entry('a', { kind: 'honest', offsetS: 0.003 })]);
    const { result } = await ask(request(name('a')));
    if (!result.ok) throw new Error(`rejected: ${result.reason}`);
    expect(result.offsetS - (network.exchanges[0]?.trueOffsetAtT4S ?? NaN)).toBeCloseTo(0.003, 5);
  });

  test('a lost exchange times out after timeoutMs of virtual time, and is counted as sent and lost', async () => {
    const { ask, request, network } = world([entry('a', { kind: 'honest' }, { ...QUIET_PATH, lossProbability: 1 })]);
    const { result, afterS } = await ask(request(name('a')));
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(afterS).toBeCloseTo(1.5, 9);
    expect(network.requests[name('a')]).toBe(1);
    expect(network.lost[name('a')]).toBe(1);
  });

  test('a caller that passes no timers still times out in virtual time, on the scheduler', async () => {
    const { ask, request, scheduler } = world([entry('a', { kind: 'honest' }, { ...QUIET_PATH, lossProbability: 1 })]);
    const { timers: _unused, ...withoutTimers } = request(name('a'));
    const { result, afterS } = await ask(withoutTimers);
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(afterS).toBeCloseTo(1.5, 9);
    expect(scheduler.pendingTimers).toBe(0);
  });

  test('during an outage nothing gets through; before and after it, replies do', async () => {
    const outagePath: SimPathParams = { ...QUIET_PATH, outages: [{ atS: 600, durationS: 1800 }] };
    const { ask, request, scheduler } = world([entry('a', { kind: 'honest' }, outagePath)]);
    const outcomes: [number, string][] = [];
    for (const atS of [100, 590, 601, 1500, 2390, 2401, 3000]) {
      await scheduler.runUntil(START_S + atS);
      const { result } = await ask(request(name('a')));
      outcomes.push([atS, result.ok ? 'ok' : result.reason]);
    }
    expect(outcomes).toEqual([
      [100, 'ok'],
      [590, 'ok'],
      [601, 'timeout'],
      [1500, 'timeout'],
      [2390, 'timeout'],
      [2401, 'ok'],
      [3000, 'ok'],
    ]);
  });

  test('a silent server never answers: timeout', async () => {
    const { ask, request } = world([entry('a', { kind: 'silent' })]);
    expect((await ask(request(name('a')))).result).toMatchObject({ ok: false, reason: 'timeout' });
  });

  test("Kiss-o'-Death and unsynchronised servers are refused by the real validation", async () => {
    const { ask, request } = world([
      entry('r', { kind: 'kod_rate' }),
      entry('d', { kind: 'kod_deny' }),
      entry('s', { kind: 'kod_rstr' }),
      entry('u', { kind: 'bad_stratum' }),
    ]);
    expect((await ask(request(name('r')))).result).toMatchObject({ ok: false, reason: 'kod', kodCode: 'RATE' });
    expect((await ask(request(name('d')))).result).toMatchObject({ ok: false, reason: 'kod', kodCode: 'DENY' });
    expect((await ask(request(name('s')))).result).toMatchObject({ ok: false, reason: 'kod', kodCode: 'RSTR' });
    expect((await ask(request(name('u')))).result).toMatchObject({ ok: false, reason: 'unsynchronized' });
  });

  test('maxUncertaintyS and previousServerTransmit are honoured as queryNtp honours them', async () => {
    const { ask, request } = world([entry('far', { kind: 'honest' }, { baseDelayS: 0.2, queueMeanS: 0 }), entry('a', { kind: 'honest' })]);
    const far = (await ask(request(name('far'), { maxUncertaintyS: 0.05 }))).result;
    expect(far).toMatchObject({ ok: false, reason: 'uncertainty_exceeded', sample: { ok: true } });
    const first = (await ask(request(name('a')))).result;
    if (!first.ok) throw new Error(`rejected: ${first.reason}`);
    // A reply whose T3 equals the one before is a replay; the server's T3 moves on, so the next is accepted.
    const next = (await ask(request(name('a'), { previousServerTransmit: first.serverTransmit }))).result;
    expect(next.ok).toBe(true);
  });

  test('an abort mid-flight ends the exchange at once with a network rejection, and the reply is dropped', async () => {
    const { request, network, scheduler } = world([entry('a', { kind: 'honest' })]);
    const controller = new AbortController();
    let result: NtpQueryResult | null = null;
    void network.query(request(name('a'), { signal: controller.signal })).then((r) => (result = r));
    scheduler.setTimeout(() => controller.abort(), 5);
    await scheduler.runFor(5);
    expect(result).toMatchObject({ ok: false, reason: 'network', detail: 'query aborted' });
    expect(network.exchanges).toHaveLength(0);
    expect(scheduler.pendingTimers).toBe(0);
  });

  test('names resolve to made-up TEST-NET addresses; unknown names fail like DNS; non-addresses are a dns rejection', async () => {
    const { network, ask, request } = world([entry('a', { kind: 'honest' }), entry('b', { kind: 'honest' })]);
    expect(await network.resolver('sim-a.example')).toEqual([{ address: '192.0.2.1', family: 4 }]);
    expect(await network.resolver('sim-b.example')).toEqual([{ address: '192.0.2.2', family: 4 }]);
    await expect(network.resolver('pool.ntp.org')).rejects.toThrow('ENOTFOUND');
    expect((await ask(request(name('a'), { address: 'sim-a.example' }))).result).toMatchObject({ ok: false, reason: 'dns' });
    // Nobody listens on another port: the request goes nowhere.
    expect((await ask(request(name('a'), { port: 124 }))).result).toMatchObject({ ok: false, reason: 'timeout' });
  });

  test('a reply due while the host is suspended is never seen: the query times out after the host wakes', async () => {
    const { ask, request, scheduler } = world([entry('a', { kind: 'honest' })]);
    await scheduler.runUntil(START_S + 5000 - 0.01); // the suspend starts 10 ms into the 20 ms round trip
    const { result, afterS } = await ask(request(name('a')), 700);
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(afterS).toBeCloseTo(600 + 1.5, 6);
  });

  test('the same seed gives the same exchanges; another seed other delays', async () => {
    const run = async (seed: number) => {
      const w = world(
        [entry('a', { kind: 'honest', jitterS: 1e-5 }, { ...INTERNET_PATH, spike: { probability: 0.1, minS: 0.005, alpha: 1.5 } })],
        seed,
      );
      for (let i = 0; i < 10; i++) await w.ask(w.request(name('a')));
      return w.network.exchanges.map((e) => [e.forwardS, e.returnS, e.t4HostS]);
    };
    expect(await run(3)).toEqual(await run(3));
    expect(await run(4)).not.toEqual(await run(3));
  });

  test('bad server or path parameters are refused with SIM_BAD_CONFIG', () => {
    const scheduler = new VirtualScheduler();
    const make = (e: SimServerEntry) => () => new SimNetwork(scheduler, { servers: [e] });
    expect(make(entry('a', { kind: 'leap_step' }))).toThrow(
      expect.objectContaining({ code: 'SIM_BAD_CONFIG', message: expect.stringContaining('leapAtS') }),
    );
    expect(make(entry('a', { kind: 'honest' }, { baseDelayS: -1, queueMeanS: 0 }))).toThrow(
      expect.objectContaining({ code: 'SIM_BAD_CONFIG' }),
    );
    expect(make(entry('a', { kind: 'honest', refId: 'TOOLONG' }))).toThrow(expect.objectContaining({ code: 'SIM_BAD_CONFIG' }));
    expect(make(entry('a', { kind: 'nonsense' as never }))).toThrow(expect.objectContaining({ code: 'SIM_BAD_CONFIG' }));
  });
});
