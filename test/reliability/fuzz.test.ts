import { ChronoTickClient } from '@chronotick/client';
import { ErrorCode, TimeAnswerSchema, type RequestId } from '@chronotick/protocol';
import { startDaemon, type RunningDaemon } from '../support/daemon-process';
import { RawConnection } from '../support/raw-connection';
import { requestBytes } from './support/fuzz-frames';
import { newReport, runFuzzWorker, type WorkerReport } from './support/fuzz-worker';
import {
  C1,
  ext,
  extThenValue,
  frameOf,
  lengthPrefix,
  nestedArrays,
  nestedMaps,
  packValue,
  rawMap,
  record,
  str32,
} from './support/msgpack-bytes';
import { RssSampler, readRssMb } from './support/proc-memory';
import { Prng, seedFromEnv } from './support/prng';
import { parseResponse } from './support/response-checks';

const FUZZ_WORKERS = 4;
const FRAMES_PER_WORKER = 25_000;
/** RSS after the run may exceed the one before by this much (V8 grows its heap lazily). */
const RSS_GROWTH_LIMIT_MB = 150;

interface Sample {
  name: string;
  payload: Buffer;
  code: ErrorCode;
  id: RequestId | null;
  field?: string;
}

const BAD = ErrorCode.BadRequest;

/** One frame per kind of malformation, each with the exact answer the protocol promises. */
const SAMPLES: Sample[] = [
  { name: 'random bytes (a str 8 cut short)', payload: Buffer.from([0xd9, 0xff, 0x61, 0x62]), code: BAD, id: null },
  { name: 'an empty payload', payload: Buffer.alloc(0), code: BAD, id: null },
  { name: 'an array', payload: packValue([1, 'get_time']), code: BAD, id: null },
  { name: 'a string', payload: packValue('get_time'), code: BAD, id: null },
  { name: 'a number', payload: packValue(42), code: BAD, id: null },
  { name: 'nil', payload: packValue(null), code: BAD, id: null },
  { name: 'v as a string', payload: requestBytes(11, { v: packValue('1') }), code: BAD, id: 11, field: 'v' },
  { name: 'method as a number', payload: requestBytes(12, { method: packValue(5) }), code: BAD, id: 12, field: 'method' },
  { name: 'params as an array', payload: requestBytes(13, { params: packValue([]) }), code: BAD, id: 13, field: 'params' },
  { name: 'a negative id', payload: requestBytes(0, { id: packValue(-1) }), code: BAD, id: null, field: 'id' },
  { name: 'a float id', payload: requestBytes(0, { id: packValue(1.5) }), code: BAD, id: null, field: 'id' },
  { name: 'an object id', payload: requestBytes(0, { id: packValue({ id: 1 }) }), code: BAD, id: null, field: 'id' },
  { name: 'an id of 129 characters', payload: requestBytes(0, { id: packValue('x'.repeat(129)) }), code: BAD, id: null, field: 'id' },
  {
    name: 'a uint64 id past 2^53',
    payload: requestBytes(0, { id: Buffer.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }),
    code: BAD,
    id: null,
  },
  { name: 'a bigint extension id', payload: requestBytes(0, { id: ext(0x42, Buffer.alloc(8, 1)) }), code: BAD, id: null },
  { name: 'v: 2', payload: requestBytes(14, { v: packValue(2) }), code: ErrorCode.UnsupportedVersion, id: 14, field: 'v' },
  {
    name: 'an unknown method',
    payload: requestBytes(15, { method: packValue('get_tiem') }),
    code: ErrorCode.UnknownMethod,
    id: 15,
    field: 'method',
  },
  { name: 'method "__proto__"', payload: requestBytes(16, { method: packValue('__proto__') }), code: ErrorCode.UnknownMethod, id: 16 },
  {
    name: 'future_seconds past 3600',
    payload: requestBytes(17, { method: packValue('get_time_with_future_uncertainty'), params: packValue({ future_seconds: 3601 }) }),
    code: BAD,
    id: 17,
    field: 'params.future_seconds',
  },
  { name: 'an unknown param', payload: requestBytes(18, { params: packValue({ x: 1 }) }), code: BAD, id: 18, field: 'params' },
  { name: '50,000 nested arrays', payload: nestedArrays(50_000), code: BAD, id: null },
  { name: '20,000 nested maps', payload: nestedMaps(20_000), code: BAD, id: null },
  {
    name: '200 nested arrays as include_stats',
    payload: requestBytes(19, { params: rawMap([['include_stats', nestedArrays(200)]]) }),
    code: BAD,
    id: null,
  },
  { name: 'a method of 65,400 characters', payload: requestBytes(20, { method: str32(65_400) }), code: BAD, id: 20, field: 'method' },
  { name: 'a payload of exactly 65,536 bytes', payload: str32(65_536 - 5), code: BAD, id: null },
  { name: '0xC1 alone', payload: C1, code: BAD, id: null },
  { name: '0xC1 as v', payload: requestBytes(21, { v: C1 }), code: BAD, id: null },
  { name: '0xC1 as a key', payload: requestBytes(22, {}, [[C1, packValue(1)]]), code: BAD, id: null },
  { name: 'an invalid regexp extension', payload: extThenValue(0x78, packValue(['(', ''])), code: BAD, id: null },
  { name: 'an error extension', payload: extThenValue(0x65, packValue(['TypeError', 'boom'])), code: BAD, id: null },
  {
    name: 'an error extension named "constructor" as params',
    payload: requestBytes(23, { params: extThenValue(0x65, packValue(['constructor', 'x'])) }),
    code: BAD,
    id: null,
  },
  { name: 'an unknown extension type', payload: ext(5, Buffer.from([1])), code: BAD, id: null },
  {
    name: 'a dangling pointer extension',
    payload: requestBytes(24, { params: ext(0x70, Buffer.from([0, 0, 0, 9])) }),
    code: BAD,
    id: null,
  },
  {
    name: 'a msgpackr record with v as a string',
    payload: record(0x40, packValue(['v', 'id', 'method']), [packValue('1'), packValue(25), packValue('get_time')]),
    code: BAD,
    id: null,
  },
];

describe('fuzz: malformed frames against one daemon', () => {
  let daemon: RunningDaemon;
  let exitedWith: string | undefined;

  beforeAll(async () => {
    daemon = await startDaemon();
    daemon.process.once('exit', (code, signal) => (exitedWith = `code ${String(code)}, signal ${String(signal)}`));
  });

  afterAll(async () => {
    await daemon.stop();
  });

  const alive = (): void => {
    if (exitedWith !== undefined) throw new Error(`chronotickd died (${exitedWith}):\n${daemon.output().slice(-3000)}`);
  };

  test.each(SAMPLES)('$name: $code with id $id, and the connection stays usable', async (sample) => {
    const conn = await RawConnection.open(daemon.socketPath);
    try {
      conn.write(frameOf(sample.payload));
      await conn.waitFor(1, 10_000);
      const response = parseResponse(conn.responses[0]);
      if (typeof response === 'string') throw new Error(response);
      expect(response).toMatchObject({ v: 1, ok: false, id: sample.id, error: { code: sample.code } });
      if (sample.field !== undefined && !response.ok) expect(response.error.field).toBe(sample.field);
      if (sample.code === ErrorCode.UnknownMethod && !response.ok) expect(response.error.hint).toContain('get_time');
      conn.write(frameOf(packValue({ v: 1, id: 99, method: 'ping' })));
      await conn.waitFor(2, 10_000);
      expect(conn.responses[1]).toMatchObject({ id: 99, ok: true, result: { pong: true } });
      expect(conn.closed).toBe(false);
    } finally {
      conn.close();
    }
    alive();
  });

  test.each([65_537, 1_000_000, 0x80000000, 0xffffffff])(
    'a declared length of %i gets one CT_FRAME_TOO_LARGE with id null, then the connection is closed',
    async (declared) => {
      const conn = await RawConnection.open(daemon.socketPath);
      conn.write(Buffer.concat([lengthPrefix(declared), Buffer.alloc(64, 0x61)]));
      await conn.waitForClose(10_000);
      expect(conn.responses).toHaveLength(1);
      expect(conn.responses[0]).toMatchObject({ v: 1, id: null, ok: false, error: { code: ErrorCode.FrameTooLarge } });
      alive();
    },
  );

  test('a frame cut short and the connection closed gets no answer; the daemon serves the next client', async () => {
    const conn = await RawConnection.open(daemon.socketPath);
    conn.write(frameOf(packValue({ v: 1, id: 1, method: 'get_time' })).subarray(0, 12));
    conn.socket.end();
    await conn.waitForClose(10_000);
    expect(conn.responses).toHaveLength(0);
    const next = new ChronoTickClient({ socketPaths: [daemon.socketPath] });
    try {
      await expect(next.request('ping')).resolves.toMatchObject({ pong: true });
    } finally {
      next.close();
    }
    alive();
  });

  test(`${FUZZ_WORKERS * FRAMES_PER_WORKER} malformed frames from several connections: a client connected throughout gets every answer right`, async () => {
    const seed = seedFromEnv('CT_FUZZ_SEED');
    console.log(`fuzz seed ${seed} (replay with CT_FUZZ_SEED=${seed})`);
    const root = new Prng(seed);
    const pid = daemon.process.pid as number;
    const rssBeforeMb = readRssMb(pid);
    const sampler = new RssSampler(pid);
    const startedMs = Date.now();

    // The well-behaved client: get_time, four in flight, for the whole run.
    const client = new ChronoTickClient({ socketPaths: [daemon.socketPath], timeoutMs: 30_000 });
    await client.connect();
    let fuzzing = true;
    let answers = 0;
    let lastCorrectedS = -Infinity;
    const clientFailures: string[] = [];
    const wellBehaved = (async () => {
      while (fuzzing) {
        await Promise.all(
          Array.from({ length: 4 }, () =>
            client.request('get_time').then(
              (answer) => {
                // Runs in arrival order: one connection, answers resolved as they come.
                const checked = TimeAnswerSchema.safeParse(answer);
                if (!checked.success) clientFailures.push(`invalid get_time: ${checked.error.message}`);
                else if (answer.corrected_time < lastCorrectedS && answer.clock_status !== 'disrupted') {
                  clientFailures.push(`corrected_time went back ${(lastCorrectedS - answer.corrected_time) * 1e6} µs`);
                }
                lastCorrectedS = Math.max(lastCorrectedS, answer.corrected_time);
                answers++;
              },
              (err: unknown) => clientFailures.push(`get_time failed: ${String(err)}`),
            ),
          ),
        );
      }
    })();

    const reports: WorkerReport[] = Array.from({ length: FUZZ_WORKERS }, newReport);
    try {
      await Promise.all(reports.map((report, i) => runFuzzWorker(daemon.socketPath, root.fork(i), FRAMES_PER_WORKER, report)));
    } finally {
      fuzzing = false;
      await wellBehaved;
    }
    const fuzzMs = Date.now() - startedMs;
    await new Promise((r) => setTimeout(r, 1000));
    const peakRssMb = sampler.stop();
    alive();
    const rssAfterMb = readRssMb(pid);

    const frames = reports.reduce((n, r) => n + r.frames, 0);
    const byKind: Record<string, number> = {};
    for (const r of reports) for (const [kind, n] of Object.entries(r.framesByKind)) byKind[kind] = (byKind[kind] ?? 0) + n;
    const failures = reports.flatMap((r) => r.failures);
    console.log(
      [
        `fuzz: ${frames} malformed frames (${(reports.reduce((n, r) => n + r.bytes, 0) / 1e6).toFixed(1)} MB) ` +
          `over ${reports.reduce((n, r) => n + r.connections, 0)} connections from ${FUZZ_WORKERS} workers in ${(fuzzMs / 1000).toFixed(1)} s`,
        `by kind: ${Object.entries(byKind)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
        `well-behaved client: ${answers} get_time answers, ${clientFailures.length} failures`,
        `fuzz failures: ${failures.length}`,
        `daemon RSS before ${rssBeforeMb.toFixed(1)} MB, peak ${peakRssMb.toFixed(1)} MB, after ${rssAfterMb.toFixed(1)} MB`,
      ].join('\n'),
    );

    expect(failures.slice(0, 20)).toEqual([]);
    expect(clientFailures.slice(0, 20)).toEqual([]);
    expect(frames).toBeGreaterThanOrEqual(100_000);
    expect(answers).toBeGreaterThan(0);
    expect(rssAfterMb - rssBeforeMb).toBeLessThan(RSS_GROWTH_LIMIT_MB);

    // Still answering, on the old connection and on a new one, status included.
    await expect(client.request('get_time')).resolves.toMatchObject({ source: expect.any(String) });
    client.close();
    const fresh = new ChronoTickClient({ socketPaths: [daemon.socketPath] });
    try {
      await expect(fresh.request('ping')).resolves.toMatchObject({ pong: true });
      const status = await fresh.request('get_daemon_status');
      expect(status.pid).toBe(pid);
    } finally {
      fresh.close();
    }
  }, 240_000);
});
