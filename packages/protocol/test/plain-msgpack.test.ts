import { Packr } from 'msgpackr';
import { MAX_NESTING, plainMsgpackProblem } from '../src';

const plain = new Packr({ useRecords: false });

describe('plainMsgpackProblem', () => {
  test('plain requests of every msgpack type pass', () => {
    const value = {
      v: 1,
      id: 'x',
      method: 'get_time',
      params: { a: [1, -1, 300, -300, 70000, 2 ** 40, 1.5, true, null, 'é'.repeat(40)], b: Buffer.alloc(300) },
    };
    expect(plainMsgpackProblem(plain.pack(value))).toBeNull();
  });

  test('extension types, records, 0xC1, truncation and trailing bytes are refused', () => {
    expect(plainMsgpackProblem(Buffer.from([0xd4, 0x01, 0x00]))).toMatch(/extension/);
    expect(plainMsgpackProblem(new Packr({ useRecords: true }).pack({ a: 1 }))).toMatch(/extension/);
    expect(plainMsgpackProblem(Buffer.from([0x81, 0xa1, 0x61, 0xc1]))).toMatch(/0xC1/);
    expect(plainMsgpackProblem(Buffer.from([0x92, 0x01]))).toMatch(/truncated/);
    expect(plainMsgpackProblem(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]))).toMatch(/truncated/);
    expect(plainMsgpackProblem(Buffer.from([0x01, 0x02]))).toMatch(/after the end/);
  });

  test(`nesting is allowed to ${MAX_NESTING} levels and refused beyond, without recursion`, () => {
    const nested = (depth: number): Buffer => Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0x01])]);
    expect(plainMsgpackProblem(nested(MAX_NESTING))).toBeNull();
    expect(plainMsgpackProblem(nested(MAX_NESTING + 1))).toMatch(/nesting/);
    expect(plainMsgpackProblem(nested(1_000_000))).toMatch(/nesting/);
  });
});
