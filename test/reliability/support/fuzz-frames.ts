import { ErrorCode, isMethodName, type RequestId } from '@chronotick/protocol';
import type { Prng } from './prng';
import { C1, bin32, ext, extThenValue, nestedArrays, nestedMaps, packValue, rawMap, record, str32 } from './msgpack-bytes';

const BAD = ErrorCode.BadRequest;
const UNKNOWN = ErrorCode.UnknownMethod;
const VERSION = ErrorCode.UnsupportedVersion;

/** One malformed payload and what the daemon may answer to it (exactly one response). */
export interface FuzzCase {
  category: Category;
  payload: Buffer;
  /** Ids the response may carry; null when the daemon cannot recover one. */
  ids: readonly (RequestId | null)[];
  codes: readonly ErrorCode[];
  /** Some odd-looking frames are still valid requests; their answer must then be right. */
  okAllowed: boolean;
  /**
   * The daemon may answer with any id. msgpackr turns some extensions into ordinary
   * values (an Error extension named "toString" decodes to the string "[object Object]"),
   * so an extension in the id field can become a usable string id.
   */
  anyId?: boolean;
}

export const CATEGORY_WEIGHTS = {
  empty: 1,
  not_a_map: 8,
  wrong_field_types: 12,
  bad_id: 8,
  bad_version: 6,
  unknown_method: 8,
  bad_params: 14,
  deep_nesting: 1,
  huge_string: 1,
  c1_byte: 6,
  extension: 12,
  record: 6,
} as const;
export type Category = keyof typeof CATEGORY_WEIGHTS;

type Fields = { v?: Buffer | null; id?: Buffer | null; method?: Buffer | null; params?: Buffer | null };

/** A request map from raw field bytes; a field set to null is left out. */
export function requestBytes(id: RequestId, fields: Fields = {}, extra: readonly (readonly [string | Buffer, Buffer])[] = []): Buffer {
  const entries: [string, Buffer][] = [];
  const defaults: Required<Fields> = { v: packValue(1), id: packValue(id), method: packValue('get_time'), params: null };
  for (const key of ['v', 'id', 'method', 'params'] as const) {
    const value = key in fields ? fields[key] : defaults[key];
    if (value !== null && value !== undefined) entries.push([key, value]);
  }
  return rawMap([...entries, ...extra]);
}

function junkValues(rng: Prng): unknown[] {
  return [
    null,
    true,
    false,
    0,
    -1,
    1.5,
    '',
    'x',
    [],
    [1, 2],
    {},
    { a: 1 },
    Buffer.from([1, 2]),
    rng.int(2, 1e6),
    'ř'.repeat(rng.int(1, 40)),
  ];
}

/** A lower-case name that is not a method of the table. */
function unknownMethodName(rng: Prng): string {
  const fixed = [
    'GET_TIME',
    'get_time ',
    ' get_time',
    'get-time',
    'getTime',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'get_time\u0000',
    'shutdown',
    '../ping',
    'время',
    '🕐',
    'x'.repeat(128),
  ];
  if (rng.chance(0.5)) return rng.pick(fixed);
  let name = '';
  const length = rng.int(1, 40);
  for (let i = 0; i < length; i++) name += String.fromCharCode(rng.int(0x21, 0x7e));
  return isMethodName(name) ? `${name}_` : name;
}

function badParams(rng: Prng): [string, Record<string, unknown>] {
  const cases: [string, Record<string, unknown>][] = [
    ['get_time', { include_stats: rng.pick(['yes', 1, 0, null, [], {}, 'true']) }],
    ['get_time', { extra: true }],
    ['get_time', { include_stats: true, [`k${rng.int(0, 99)}`]: 1 }],
    ['ping', { x: 1 }],
    ['get_daemon_status', { verbose: true }],
    ['get_time_with_future_uncertainty', {}],
    [
      'get_time_with_future_uncertainty',
      {
        future_seconds: rng.pick([
          -1,
          3600.001,
          3601,
          1e9,
          -1e-9,
          '10',
          null,
          NaN,
          Infinity,
          -Infinity,
          [],
          {},
          true,
          rng.int(3601, 1e7),
          -rng.int(1, 1e6),
        ]),
      },
    ],
    ['get_time_with_future_uncertainty', { future_seconds: 10, confidence_level: 0.9 }],
    [
      'get_time_with_confidence_interval',
      {
        confidence_level: rng.pick([0, 1, 1.5, -0.1, '0.9', null, NaN, Infinity, -Infinity, true, [], 1 + rng.next(), -rng.next()]),
      },
    ],
    ['get_time_with_confidence_interval', { level: 0.9 }],
  ];
  return rng.pick(cases);
}

const PRE_DECODE: ReadonlySet<Category> = new Set(['c1_byte', 'extension', 'record', 'deep_nesting']);

/** One structured malformed frame of `category`; `id` is unique on its connection. */
export function makeCase(category: Category, rng: Prng, id: number): FuzzCase {
  // Extensions, records, 0xC1 and deep nesting are refused before decoding (they are
  // not plain msgpack), so no id can be read from them: the answer carries id null.
  const refusedUndecoded = PRE_DECODE.has(category);
  const make = (payload: Buffer, ids: readonly (RequestId | null)[], codes: readonly ErrorCode[] = [BAD], okAllowed = false): FuzzCase => ({
    category,
    payload,
    ids: refusedUndecoded ? [...ids, null] : ids,
    codes,
    okAllowed,
  });
  switch (category) {
    case 'empty':
      return make(Buffer.alloc(0), [null]);
    case 'not_a_map': {
      const value = rng.pick([
        ...junkValues(rng).filter((v) => typeof v !== 'object' || Array.isArray(v) || v === null),
        [{ v: 1, id, method: 'get_time' }],
        'get_time',
        Buffer.alloc(rng.int(0, 300)),
      ]);
      return make(packValue(value), [null]);
    }
    case 'wrong_field_types': {
      const junk = packValue(rng.pick(junkValues(rng)));
      const badV = [packValue('1'), packValue(null), packValue(true), packValue([1]), packValue(1.5), packValue({})];
      const badMethod = [
        packValue(5),
        packValue(-1),
        packValue(null),
        packValue([]),
        packValue({}),
        packValue(['get_time']),
        packValue(''),
        packValue('x'.repeat(129)),
      ];
      const badParamsValue = [
        packValue([]),
        packValue('x'),
        packValue(5),
        packValue(null),
        packValue(true),
        packValue([1, 2]),
        packValue(Buffer.from([1])),
      ];
      switch (rng.int(0, 6)) {
        case 0:
          return make(requestBytes(id, { v: rng.pick(badV) }), [id]);
        case 1:
          return make(requestBytes(id, { method: rng.pick(badMethod) }), [id]);
        case 2:
          return make(requestBytes(id, { params: rng.pick(badParamsValue) }), [id]);
        case 3:
          return make(requestBytes(id, rng.chance(0.5) ? { v: null } : { method: null }), [id]);
        case 4:
          return make(requestBytes(id, { id: null, method: junk }), [null]);
        case 5:
          return make(rawMap([[`k${rng.int(0, 9)}`, junk]]), [null]);
        default:
          return make(Buffer.from([0x81, 0x01, 0x02]), [null]); // {1: 2}: integer key
      }
    }
    case 'bad_id': {
      if (rng.chance(0.3)) {
        // A string id of at most 128 characters is usable even when the rest is broken.
        const stringId = `s${id}-`.padEnd(rng.int(String(id).length + 2, 128), 'z');
        return make(requestBytes(id, { id: packValue(stringId), method: packValue(5) }), [stringId]);
      }
      const badId = rng.pick([
        packValue(-1),
        packValue(-(2 ** 31)),
        packValue(1.5),
        packValue(0.1),
        packValue(NaN),
        packValue(Infinity),
        packValue(null),
        packValue(true),
        packValue([]),
        packValue([id]),
        packValue({}),
        packValue({ id }),
        packValue('x'.repeat(rng.int(129, 2000))),
        packValue(Buffer.from([1, 2, 3])),
        Buffer.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        Buffer.from([0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
      ]);
      return make(requestBytes(id, { id: badId }), [null]);
    }
    case 'bad_version': {
      const method = rng.chance(0.5) ? 'get_time' : unknownMethodName(rng);
      if (rng.chance(0.8)) {
        const v = rng.pick([0, 2, 3, 99, 255, 256, 65535, 2 ** 31, 2 ** 32 - 1, -1, -128, -(2 ** 31)]);
        return make(requestBytes(id, { v: packValue(v), method: packValue(method) }), [id], [VERSION]);
      }
      return make(requestBytes(id, { v: packValue(rng.pick([1.5, 0.5, '2', 'v1'])) }), [id]);
    }
    case 'unknown_method':
      return make(
        requestBytes(id, { method: packValue(unknownMethodName(rng)), params: rng.chance(0.5) ? packValue({}) : null }),
        [id],
        [UNKNOWN],
      );
    case 'bad_params': {
      const [method, params] = badParams(rng);
      return make(requestBytes(id, { method: packValue(method), params: packValue(params) }), [id]);
    }
    case 'deep_nesting': {
      const depth = rng.chance(0.5) ? rng.int(100, 3000) : rng.int(3000, 20_000);
      const deep = rng.chance(0.5) ? nestedArrays(depth) : nestedMaps(depth);
      switch (rng.int(0, 4)) {
        case 0:
          return make(deep, [null]);
        case 1:
          return make(requestBytes(id, { params: rawMap([['include_stats', deep]]) }), [id, null]);
        case 2:
          return make(requestBytes(id, { params: deep }), [id, null]);
        case 3:
          return make(requestBytes(id, { id: deep }), [null]);
        default:
          return make(requestBytes(id, { method: deep }), [id, null]);
      }
    }
    case 'huge_string': {
      // Payloads at or just under the 65,536-byte limit.
      const room = 65_536 - rng.int(0, 64);
      switch (rng.int(0, 6)) {
        case 0:
          return make(str32(room - 5), [null]);
        case 1:
          return make(bin32(room - 5), [null]);
        case 2:
          return make(requestBytes(id, { method: str32(room - 40) }), [id]);
        case 3:
          return make(requestBytes(id, { id: str32(room - 40) }), [null]);
        case 4:
          return make(requestBytes(id, { v: str32(room - 40) }), [id]);
        case 5:
          return make(requestBytes(id, { params: rawMap([['include_stats', str32(room - 60)]]) }), [id]);
        default:
          return make(
            requestBytes(id, {
              method: packValue('get_time_with_future_uncertainty'),
              params: rawMap([['future_seconds', str32(room - 90)]]),
            }),
            [id],
          );
      }
    }
    case 'c1_byte':
      switch (rng.int(0, 5)) {
        case 0:
          return make(Buffer.concat([C1, rng.bytes(rng.int(0, 20))]), [null]);
        case 1:
          return make(requestBytes(id, { v: C1 }), [id]);
        case 2:
          return make(requestBytes(id, { method: C1 }), [id]);
        case 3:
          return make(requestBytes(id, { id: C1 }), [null]);
        case 4:
          return make(requestBytes(id, { params: rng.chance(0.5) ? C1 : rawMap([['include_stats', C1]]) }), [id]);
        default:
          return make(requestBytes(id, {}, [[C1, packValue(1)]]), [null]); // 0xC1 as a key
      }
    case 'extension':
      return extensionCase(rng, id, make);
    case 'record':
      return recordCase(rng, id, make);
  }
}

type Make = (payload: Buffer, ids: readonly (RequestId | null)[], codes?: readonly ErrorCode[], okAllowed?: boolean) => FuzzCase;

/** msgpack and msgpackr extension types, placed where the envelope looks. */
function extensionCase(rng: Prng, id: number, make: Make): FuzzCase {
  const regexpSource = Array.from({ length: rng.int(0, 40) }, () => rng.pick([...'()[]{}*+?\\|^$.ab'])).join('');
  const value = rng.pick([
    () => ext(rng.int(-128, 127), rng.bytes(rng.pick([1, 2, 4, 8, 16, rng.int(0, 300)]))),
    () =>
      extThenValue(
        0x65,
        packValue([
          rng.pick(['Error', 'TypeError', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'AggregateError', 'Nope', 5, null]),
          rng.pick<unknown>(['x', {}, { toString: 1 }, null, [1]]),
        ]),
      ),
    () => extThenValue(0x78, packValue([regexpSource, rng.pick(['', 'g', 'gimsuy', 'zz', 5])])),
    () => ext(0x42, rng.bytes(rng.pick([1, 8, 9, 64, 1000]))),
    () => extThenValue(0x73, packValue(rng.pick([[1, 2], 5, null, 'ab']))),
    () => ext(0x74, Buffer.concat([Buffer.from([rng.int(0, 20)]), rng.bytes(rng.int(0, 40))])),
    () => ext(0x70, rng.bytes(4)),
    // An id'd map whose value points back at itself: a cycle.
    () => Buffer.concat([ext(0x69, Buffer.from([0, 0, 0, 7])), Buffer.from([0x81, 0xa1, 0x61]), ext(0x70, Buffer.from([0, 0, 0, 7]))]),
    () => Buffer.concat([ext(0x62, rng.bytes(4)), rng.bytes(rng.int(0, 20))]),
    () => ext(-1, rng.bytes(rng.pick([4, 8, 12, 3]))),
    () => ext(0, Buffer.from([0])),
  ])();
  // msgpackr decodes some extensions to plain values (ext 0 to undefined, an Error named
  // "toString" to a string, one named "hasOwnProperty" to false), so wherever the value
  // lands the frame may become a request the daemon can answer; the strict contract
  // (extensions refused) is checked in fuzz-known-bugs.test.ts.
  const payload = rng.pick([
    () => value,
    () => requestBytes(id, { id: value }),
    () => requestBytes(id, { v: value }),
    () => requestBytes(id, { method: value }),
    () => requestBytes(id, { params: value }),
    () => requestBytes(id, { params: rawMap([['include_stats', value]]) }),
  ])();
  return { ...make(payload, [id, null], [BAD, UNKNOWN, VERSION], true), anyId: true };
}

/** msgpackr records (ext 0x72 structure definitions), which plain msgpack clients never send. */
function recordCase(rng: Prng, id: number, make: Make): FuzzCase {
  const slot = rng.int(0x40, 0x7f);
  switch (rng.int(0, 4)) {
    case 0: {
      const v = rng.pick([1, 1, 2, '1', null]);
      const method = rng.pick(['get_time', 'ping', 'nope', 5]);
      const payload = record(slot, packValue(['v', 'id', 'method']), [packValue(v), packValue(id), packValue(method)]);
      // A value byte 0x40–0x7f equal to the slot reads as another record, which breaks the id.
      return make(payload, [id, null], [BAD, UNKNOWN, VERSION], true);
    }
    case 1:
      return make(Buffer.from([slot]), [null]); // a record reference nothing defined
    case 2:
      return make(record(slot, packValue(rng.pick([5, 'v', [1, 2], [null], {}])), [packValue(1), packValue(2)]), [null]);
    case 3:
      return make(Buffer.concat([Buffer.from([0x92]), record(slot, packValue(['v']), [packValue(1)]), Buffer.from([slot, 0x01])]), [null]);
    default:
      return make(Buffer.concat([Buffer.from([0xd4, 0x72]), rng.bytes(rng.int(1, 30))]), [null]);
  }
}

/** A valid request with a few bytes flipped, cut or inserted: may be answered any way but wrong. */
export function mutatedRequest(rng: Prng, id: number): Buffer {
  const method = rng.pick([
    'get_time',
    'ping',
    'get_time_with_future_uncertainty',
    'get_time_with_confidence_interval',
    'get_daemon_status',
  ]);
  const params =
    method === 'get_time_with_future_uncertainty'
      ? { future_seconds: rng.int(0, 3600) }
      : method === 'get_time_with_confidence_interval'
        ? { confidence_level: 0.95 }
        : method === 'get_time'
          ? { include_stats: rng.chance(0.5) }
          : {};
  const bytes = Buffer.from(packValue({ v: 1, id, method, params }));
  const edits = rng.int(1, 3);
  let out = bytes;
  for (let i = 0; i < edits; i++) {
    const at = rng.int(0, out.length - 1);
    switch (rng.int(0, 3)) {
      case 0:
        out[at] = rng.int(0, 255);
        break;
      case 1:
        out = out.subarray(0, at);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), rng.bytes(rng.int(1, 4)), out.subarray(at)]);
        break;
      default:
        out[at] = (out[at] as number) ^ (1 << rng.int(0, 7));
    }
    if (out.length === 0) break;
  }
  return out;
}
