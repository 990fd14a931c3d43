import { ChronoTickClient } from '@chronotick/client';
import { ProtocolError, methods, type MethodName } from '@chronotick/protocol';
import { startDaemon, type RunningDaemon } from '../support/daemon-process';
import { IdCheckingConnection } from './support/id-checking-connection';
import { Prng, seedFromEnv } from './support/prng';
import { RssSampler, readRssMb } from './support/proc-memory';

// 32 clients × 3,000 pipelined requests (plus a warm-up) against one daemon. Sized for
// a loaded 2-core CI machine: the figures printed are for reading, never asserted.
const CLIENTS = 32;
/** Every CHRONO_CLIENT_EVERY-th client is a ChronoTickClient; the rest check ids on raw frames. */
const CHRONO_CLIENT_EVERY = 4;
const WARMUP_PER_CLIENT = 500;
const MAIN_PER_CLIENT = 3000;
/** Requests each client keeps in flight. */
const WINDOW = 16;
const RSS_GROWTH_LIMIT_MB = 60;

type Outcome = { ok: true; result: unknown } | { ok: false; code: string; message: string };
type Requester = (method: MethodName, params: Record<string, unknown>) => Promise<Outcome>;

interface PlannedRequest {
  method: MethodName;
  params: Record<string, unknown>;
}

/** One client's load: a window of lanes, each sending its next request when the last is answered. */
class LoadClient {
  sent = 0;
  answered = 0;
  readonly failures: string[] = [];
  private lastCorrectedS = -Infinity;

  constructor(
    readonly name: string,
    private readonly requester: Requester,
    private readonly rng: Prng,
  ) {}

  async run(count: number): Promise<void> {
    let remaining = count;
    const lane = async (): Promise<void> => {
      while (remaining > 0) {
        remaining--;
        const planned = this.plan();
        this.sent++;
        const outcome = await this.requester(planned.method, planned.params);
        // Continuations run in the order the responses were resolved, i.e. arrival order.
        this.check(planned, outcome);
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
  }

  private plan(): PlannedRequest {
    switch (this.rng.int(0, 3)) {
      case 0:
        return { method: 'get_time', params: this.rng.chance(0.1) ? { include_stats: true } : {} };
      case 1:
        return {
          method: 'get_time_with_confidence_interval',
          params: this.rng.chance(0.2) ? {} : { confidence_level: 0.5 + this.rng.next() * 0.499 },
        };
      case 2:
        return { method: 'get_time_with_future_uncertainty', params: { future_seconds: this.rng.int(0, 3600) } };
      default:
        return { method: 'ping', params: {} };
    }
  }

  private check(planned: PlannedRequest, outcome: Outcome): void {
    if (!outcome.ok) return this.fail(`${planned.method} answered ${outcome.code}: ${outcome.message}`);
    const checked = methods[planned.method].result.safeParse(outcome.result);
    if (!checked.success) return this.fail(`${planned.method} result fails its schema: ${checked.error.message}`);
    this.answered++;
    const result = checked.data as Record<string, unknown>;
    if (planned.method === 'get_time_with_future_uncertainty' && result['future_seconds'] !== planned.params['future_seconds']) {
      this.fail(`future_seconds ${String(result['future_seconds'])} for ${String(planned.params['future_seconds'])}`);
    }
    if (planned.method === 'get_time_with_confidence_interval') {
      const asked = planned.params['confidence_level'] ?? 0.9;
      if (result['confidence_level'] !== asked) this.fail(`confidence_level ${String(result['confidence_level'])} for ${String(asked)}`);
    }
    const corrected = result['corrected_time'];
    if (typeof corrected !== 'number') return;
    // Served time never goes backwards, unless the daemon says the clock is disrupted.
    if (corrected < this.lastCorrectedS && result['clock_status'] !== 'disrupted') {
      this.fail(`corrected_time went back ${(this.lastCorrectedS - corrected) * 1e6} µs`);
    }
    this.lastCorrectedS = Math.max(this.lastCorrectedS, corrected);
  }

  private fail(what: string): void {
    // Keep a sample; one broken invariant usually repeats thousands of times.
    if (this.failures.length < 10) this.failures.push(`${this.name}: ${what}`);
    else if (this.failures.length === 10) this.failures.push(`${this.name}: (more failures not listed)`);
  }
}

function rawRequester(conn: IdCheckingConnection): Requester {
  return (method, params) =>
    conn.request(method, params).then(
      (r): Outcome => (r.ok ? { ok: true, result: r.result } : { ok: false, code: r.error.code, message: r.error.message }),
      (err: Error): Outcome => ({ ok: false, code: 'local', message: err.message }),
    );
}

function clientRequester(client: ChronoTickClient): Requester {
  return (method, params) =>
    client.request(method, params as never, { timeoutMs: 30_000 }).then(
      (result): Outcome => ({ ok: true, result }),
      (err: unknown): Outcome => ({
        ok: false,
        code: err instanceof ProtocolError ? err.code : ((err as { code?: string }).code ?? 'local'),
        message: err instanceof Error ? err.message : String(err),
      }),
    );
}

describe('load: 32 pipelining clients against one daemon', () => {
  let daemon: RunningDaemon;
  const rawConnections: IdCheckingConnection[] = [];
  const libraryClients: ChronoTickClient[] = [];

  beforeAll(async () => {
    daemon = await startDaemon();
  });

  afterAll(async () => {
    rawConnections.forEach((c) => c.close());
    libraryClients.forEach((c) => c.close());
    await daemon.stop();
  });

  test('every request is answered right, time never goes back, memory stays bounded', async () => {
    const seed = seedFromEnv('CT_LOAD_SEED');
    console.log(`load seed ${seed} (replay with CT_LOAD_SEED=${seed})`);
    const root = new Prng(seed);
    const pid = daemon.process.pid as number;

    const clients: LoadClient[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      if (i % CHRONO_CLIENT_EVERY === 0) {
        const client = new ChronoTickClient({ socketPaths: [daemon.socketPath] });
        await client.connect();
        libraryClients.push(client);
        clients.push(new LoadClient(`client ${i} (ChronoTickClient)`, clientRequester(client), root.fork(i)));
      } else {
        const conn = await IdCheckingConnection.open(daemon.socketPath);
        rawConnections.push(conn);
        clients.push(new LoadClient(`client ${i} (raw)`, rawRequester(conn), root.fork(i)));
      }
    }

    const startedMs = Date.now();
    await Promise.all(clients.map((c) => c.run(WARMUP_PER_CLIENT)));
    await new Promise((r) => setTimeout(r, 500));
    const warmRssMb = readRssMb(pid);

    const sampler = new RssSampler(pid);
    const mainStartedMs = Date.now();
    await Promise.all(clients.map((c) => c.run(MAIN_PER_CLIENT)));
    const mainMs = Date.now() - mainStartedMs;
    await new Promise((r) => setTimeout(r, 500));
    const peakRssMb = sampler.stop();
    const afterRssMb = readRssMb(pid);

    const sent = clients.reduce((n, c) => n + c.sent, 0);
    const answered = clients.reduce((n, c) => n + c.answered, 0);
    const failures = [...clients.flatMap((c) => c.failures), ...rawConnections.flatMap((c) => c.violations)];
    const mainRequests = CLIENTS * MAIN_PER_CLIENT;
    console.log(
      [
        `load: ${CLIENTS} clients, ${sent} requests (${CLIENTS * WARMUP_PER_CLIENT} warm-up + ${mainRequests} main), window ${WINDOW}`,
        `answered right ${answered}, failures ${failures.length}`,
        `main phase ${(mainMs / 1000).toFixed(1)} s (${Math.round(mainRequests / (mainMs / 1000))} req/s, informational)`,
        `daemon RSS after warm-up ${warmRssMb.toFixed(1)} MB, after main ${afterRssMb.toFixed(1)} MB, ` +
          `peak ${peakRssMb.toFixed(1)} MB, growth ${(afterRssMb - warmRssMb).toFixed(1)} MB (limit ${RSS_GROWTH_LIMIT_MB})`,
        `total ${((Date.now() - startedMs) / 1000).toFixed(1)} s`,
      ].join('\n'),
    );

    expect(failures).toEqual([]);
    expect(answered).toBe(sent);
    expect(sent).toBe(CLIENTS * (WARMUP_PER_CLIENT + MAIN_PER_CLIENT));
    expect(daemon.process.exitCode).toBeNull();
    expect(afterRssMb - warmRssMb).toBeLessThan(RSS_GROWTH_LIMIT_MB);

    // The daemon's own books agree: nothing it answered was an error.
    const status = await (libraryClients[0] as ChronoTickClient).request('get_daemon_status');
    expect(status.last_error).toBeNull();
    expect(status.success_rate).toBe(1);
  }, 180_000);
});
