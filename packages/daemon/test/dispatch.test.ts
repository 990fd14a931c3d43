import { ErrorCode, PROTOCOL_VERSION } from '@chronotick/protocol';
import { dispatch, type Handlers } from '../src/server/dispatch';
import { RateLimiter } from '../src/server/rate-limiter';
import { DEFAULT_CONFIG } from '@chronotick/config';
import { pastInterval, pastIntervalInput } from '../src/engine/past-interval';
import { TimePipeline } from '../src/engine/time-pipeline';
import { silentLogger } from '../src/log';

const T0 = 1_800_000_000;

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const pipeline = new TimePipeline(DEFAULT_CONFIG, T0, silentLogger);
  return {
    ping: () => ({ pong: true, version: 'test', uptime_seconds: 1 }),
    get_time: () => pipeline.timeAnswer(T0),
    get_daemon_status: () => {
      throw new Error('not in this test');
    },
    get_time_with_future_uncertainty: ({ future_seconds }) => pipeline.futureAnswer(T0, future_seconds),
    get_time_with_confidence_interval: ({ confidence_level }) => pipeline.confidenceAnswer(T0, confidence_level ?? 0.9),
    get_time_at: ({ system_time }) => pastInterval(pastIntervalInput(pipeline, 50, T0), system_time),
    ...overrides,
  };
}

describe('dispatch', () => {
  test('a good request gets ok with the result and its id', async () => {
    const r = await dispatch({ v: PROTOCOL_VERSION, id: 5, method: 'get_time' }, handlers());
    expect(r).toMatchObject({ v: 1, id: 5, ok: true, result: { source: 'system' } });
  });

  test('each kind of bad request gets its own code, with the id when it has one', async () => {
    const h = handlers();
    expect(await dispatch('hello', h)).toMatchObject({ id: null, error: { code: ErrorCode.BadRequest } });
    expect(await dispatch({ v: 1, id: 2 }, h)).toMatchObject({ id: 2, error: { code: ErrorCode.BadRequest, field: 'method' } });
    expect(await dispatch({ v: 9, id: 3, method: 'ping' }, h)).toMatchObject({ id: 3, error: { code: ErrorCode.UnsupportedVersion } });
    expect(await dispatch({ v: 1, id: 4, method: 'shutdown' }, h)).toMatchObject({ id: 4, error: { code: ErrorCode.UnknownMethod } });
    expect(await dispatch({ v: 1, id: 6, method: 'get_time', params: { include_stats: 'yes' } }, h)).toMatchObject({
      id: 6,
      error: { code: ErrorCode.BadRequest, field: 'params.include_stats' },
    });
  });

  test('a handler that throws is CT_INTERNAL, not a crash', async () => {
    const r = await dispatch({ v: 1, id: 1, method: 'get_daemon_status' }, handlers());
    expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.Internal, hint: expect.any(String) } });
  });

  test('a handler result that breaks the schema is caught before it reaches a client', async () => {
    const bad = handlers({ ping: () => ({ pong: 'yes' }) as never });
    const r = await dispatch({ v: 1, id: 1, method: 'ping' }, bad);
    expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.Internal } });
  });
});

describe('RateLimiter', () => {
  test('allows a second of burst, then the configured rate', () => {
    const limiter = new RateLimiter(10, 0);
    let allowed = 0;
    for (let i = 0; i < 20; i++) if (limiter.tryTake(0)) allowed++;
    expect(allowed).toBe(10);
    expect(limiter.tryTake(0.05)).toBe(false);
    expect(limiter.tryTake(0.1)).toBe(true);
  });
});
