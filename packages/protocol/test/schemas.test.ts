import {
  ErrorCode,
  ProtocolError,
  RequestSchema,
  ResponseSchema,
  clientSocketCandidates,
  daemonSocketPath,
  isoFromUnixSeconds,
  methods,
} from '../src';

describe('envelope and method schemas', () => {
  test('a request needs v, id and method; params may be omitted', () => {
    expect(RequestSchema.safeParse({ v: 1, id: 3, method: 'get_time' }).success).toBe(true);
    expect(RequestSchema.safeParse({ v: 1, id: 'abc', method: 'get_time', params: {} }).success).toBe(true);
    expect(RequestSchema.safeParse({ v: 1, method: 'get_time' }).success).toBe(false);
    expect(RequestSchema.safeParse({ v: 1, id: -1, method: 'get_time' }).success).toBe(false);
    expect(RequestSchema.safeParse({ v: 1, id: 1, method: 'x', params: [1] }).success).toBe(false);
  });

  test('params are strict: an unknown parameter is refused', () => {
    expect(methods.get_time.params.safeParse({ include_stats: true }).success).toBe(true);
    expect(methods.get_time.params.safeParse({ include_stat: true }).success).toBe(false);
  });

  test('future_seconds is 0–3600 and confidence_level strictly inside (0, 1), with readable messages', () => {
    const fut = methods.get_time_with_future_uncertainty.params;
    expect(fut.safeParse({ future_seconds: 0 }).success).toBe(true);
    expect(fut.safeParse({ future_seconds: 3600 }).success).toBe(true);
    const over = fut.safeParse({ future_seconds: 3601 });
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.message).toContain('between 0 and 3600');
    expect(fut.safeParse({}).success).toBe(false);
    const ci = methods.get_time_with_confidence_interval.params;
    expect(ci.safeParse({}).success).toBe(true);
    expect(ci.safeParse({ confidence_level: 0 }).success).toBe(false);
    expect(ci.safeParse({ confidence_level: 1 }).success).toBe(false);
  });

  test('error responses carry a known code; ProtocolError round-trips through the wire', () => {
    const err = new ProtocolError(ErrorCode.BadRequest, 'bad', { field: 'params.x', hint: 'fix it' });
    const response = { v: 1, id: null, ok: false, error: err.toWire() };
    expect(ResponseSchema.parse(response)).toEqual(response);
    const back = ProtocolError.fromWire(err.toWire());
    expect(back).toMatchObject({ code: 'CT_BAD_REQUEST', field: 'params.x', hint: 'fix it' });
    expect(ResponseSchema.safeParse({ v: 1, id: 1, ok: false, error: { code: 'NOPE', message: '' } }).success).toBe(false);
  });
});

describe('socket discovery', () => {
  test('the daemon binds the first that is set', () => {
    const env = { CHRONOTICK_SOCKET: '/e.sock', RUNTIME_DIRECTORY: '/rt', XDG_RUNTIME_DIR: '/xdg' };
    expect(daemonSocketPath({ flag: '/f.sock', configPath: '/c.sock', env, isRoot: false })).toBe('/f.sock');
    expect(daemonSocketPath({ configPath: '/c.sock', env, isRoot: false })).toBe('/e.sock');
    expect(daemonSocketPath({ configPath: '/c.sock', env: { RUNTIME_DIRECTORY: '/rt' }, isRoot: false })).toBe('/c.sock');
    expect(daemonSocketPath({ env: { RUNTIME_DIRECTORY: '/rt:/other' }, isRoot: false })).toBe('/rt/chronotickd.sock');
    expect(daemonSocketPath({ env: { XDG_RUNTIME_DIR: '/xdg' }, isRoot: true })).toBe('/run/chronotick/chronotickd.sock');
    expect(daemonSocketPath({ env: { XDG_RUNTIME_DIR: '/xdg' }, isRoot: false })).toBe('/xdg/chronotick/chronotickd.sock');
  });

  test('a user with no XDG_RUNTIME_DIR gets a per-user path in the temp directory, never /run', () => {
    const user = { uid: 1000, tmpDir: '/tmp' };
    expect(daemonSocketPath({ env: {}, isRoot: false, user })).toBe('/tmp/chronotick-1000/chronotickd.sock');
    expect(daemonSocketPath({ env: { XDG_RUNTIME_DIR: '/xdg' }, isRoot: false, user })).toBe('/xdg/chronotick/chronotickd.sock');
    expect(daemonSocketPath({ env: {}, isRoot: true, user: { uid: 0, tmpDir: '/tmp' } })).toBe('/run/chronotick/chronotickd.sock');
    // Where there are no uids there is no per-user fallback.
    expect(daemonSocketPath({ env: {}, isRoot: false, user: { uid: undefined, tmpDir: '/tmp' } })).toBe('/run/chronotick/chronotickd.sock');
  });

  test('a client given a path uses only it; otherwise the user path, then the system path', () => {
    expect(clientSocketCandidates({ flag: '/f.sock', env: { CHRONOTICK_SOCKET: '/e.sock' } })).toEqual(['/f.sock']);
    expect(clientSocketCandidates({ env: { CHRONOTICK_SOCKET: '/e.sock' } })).toEqual(['/e.sock']);
    expect(clientSocketCandidates({ env: { XDG_RUNTIME_DIR: '/xdg' } })).toEqual([
      '/xdg/chronotick/chronotickd.sock',
      '/run/chronotick/chronotickd.sock',
    ]);
    expect(clientSocketCandidates({ env: {} })).toEqual(['/run/chronotick/chronotickd.sock']);
  });

  test("a client tries the per-user fallback the daemon would bind, after the runtime path (root's daemon uses /run)", () => {
    const user = { uid: 1000, tmpDir: '/var/tmp' };
    expect(clientSocketCandidates({ env: { XDG_RUNTIME_DIR: '/xdg' }, user })).toEqual([
      '/xdg/chronotick/chronotickd.sock',
      '/var/tmp/chronotick-1000/chronotickd.sock',
      '/run/chronotick/chronotickd.sock',
    ]);
    expect(clientSocketCandidates({ env: {}, user })).toEqual([
      daemonSocketPath({ env: {}, isRoot: false, user }),
      '/run/chronotick/chronotickd.sock',
    ]);
    expect(clientSocketCandidates({ env: {}, user: { uid: 0, tmpDir: '/tmp' } })).toEqual(['/run/chronotick/chronotickd.sock']);
  });
});

describe('isoFromUnixSeconds', () => {
  test('renders microseconds exactly', () => {
    expect(isoFromUnixSeconds(1_700_000_000.123456)).toBe('2023-11-14T22:13:20.123456Z');
    expect(isoFromUnixSeconds(0)).toBe('1970-01-01T00:00:00.000000Z');
    // Within half a microsecond of the next second: it rounds up, not to .999999.
    expect(isoFromUnixSeconds(1_700_000_000 + 0.9999997)).toBe('2023-11-14T22:13:21.000000Z');
  });
});
