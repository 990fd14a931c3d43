import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { RECORDED_DIR } from './helpers';
import { ReplayCsvError, TsfmError, parseReplayCsv, writeReplayCsv, type Measurement } from '../src';

const RECORDED = RECORDED_DIR;

function parseError(text: string): ReplayCsvError {
  try {
    parseReplayCsv(text);
  } catch (e) {
    if (e instanceof ReplayCsvError) return e;
    throw e;
  }
  throw new Error('expected a ReplayCsvError');
}

describe('replay CSV', () => {
  const series: Measurement[] = [
    { tS: 1761149157.40044, offsetS: 0.001818895, delayS: null, server: '172.20.1.1:8123' },
    { tS: 1761149277.487814, offsetS: -0.00353241, delayS: 0.021503, server: 'time.google.com:123' },
  ];

  test('round trip keeps every field (µs timestamps, ns offsets)', () => {
    const back = parseReplayCsv(writeReplayCsv(series));
    expect(back).toHaveLength(2);
    back.forEach((m, i) => {
      const orig = series[i]!;
      expect(m.tS).toBeCloseTo(orig.tS, 6);
      expect(m.offsetS).toBeCloseTo(orig.offsetS, 9);
      expect(m.delayS === null ? null : m.delayS).toEqual(orig.delayS === null ? null : expect.closeTo(orig.delayS, 9));
      expect(m.server).toBe(orig.server);
      expect(m.trueOffsetS).toBeUndefined();
    });
    expect(writeReplayCsv(back)).toBe(writeReplayCsv(series));
  });

  test('true_offset_s is written when present and read back', () => {
    const text = writeReplayCsv([{ ...series[0]!, trueOffsetS: 0.0015 }]);
    expect(text.split('\n')[0]).toBe('timestamp,offset_s,delay_s,server,true_offset_s');
    expect(parseReplayCsv(text)[0]?.trueOffsetS).toBeCloseTo(0.0015, 9);
  });

  test('a temperature is the temperature_c covariate, written when present and read back', () => {
    const text = writeReplayCsv([{ ...series[0]!, covariates: { temperature_c: 41.25 } }, series[1]!]);
    expect(text.split('\n')[0]).toBe('timestamp,offset_s,delay_s,server,temperature_c');
    const back = parseReplayCsv(text);
    expect(back[0]?.covariates).toEqual({ temperature_c: 41.25 });
    // A row without a reading leaves the field empty and the measurement without covariates.
    expect(back[1]?.covariates).toBeUndefined();
    expect(parseError('timestamp,offset_s,delay_s,server,temperature_c\n1,0,,s,warm\n')).toMatchObject({
      code: 'TSFM_CSV_BAD_NUMBER',
      column: 'temperature_c',
    });
  });

  test('accepts CRLF, a BOM, blank lines and columns in another order', () => {
    const text = '\uFEFFserver,timestamp,delay_s,offset_s\r\nntp:123,100.5,,0.25\r\n\r\nntp:123,101.5,0.01,0.5\r\n';
    expect(parseReplayCsv(text)).toEqual([
      { tS: 100.5, offsetS: 0.25, delayS: null, server: 'ntp:123' },
      { tS: 101.5, offsetS: 0.5, delayS: 0.01, server: 'ntp:123' },
    ]);
  });

  test.each([
    ['', 'TSFM_CSV_EMPTY', 1, undefined],
    ['timestamp,offset_s,server\n', 'TSFM_CSV_BAD_HEADER', 1, 'delay_s'],
    ['timestamp,offset_s,delay_s,server,true_ofset_s\n', 'TSFM_CSV_BAD_HEADER', 1, undefined],
    ['timestamp,offset_s,delay_s,server\n1,0.1,,a\n2,0.1,a\n', 'TSFM_CSV_FIELD_COUNT', 3, undefined],
    ['timestamp,offset_s,delay_s,server\n1,0.1,,a\n\n2,abc,,a\n', 'TSFM_CSV_BAD_NUMBER', 4, 'offset_s'],
    ['timestamp,offset_s,delay_s,server\n,0.1,,a\n', 'TSFM_CSV_BAD_NUMBER', 2, 'timestamp'],
    ['timestamp,offset_s,delay_s,server\n1,0.1,Infinity,a\n', 'TSFM_CSV_BAD_NUMBER', 2, 'delay_s'],
    ['timestamp,offset_s,delay_s,server\n1,0.1,-0.2,a\n', 'TSFM_CSV_BAD_VALUE', 2, 'delay_s'],
    ['timestamp,offset_s,delay_s,server\n5,0.1,,a\n4,0.1,,a\n', 'TSFM_CSV_TIME_ORDER', 3, 'timestamp'],
    ['timestamp,offset_s,delay_s,server,true_offset_s\n5,0.1,,a,x\n', 'TSFM_CSV_BAD_NUMBER', 2, 'true_offset_s'],
  ])('%j fails with %s at line %d', (text, code, line, column) => {
    const err = parseError(text);
    expect(err).toBeInstanceOf(TsfmError);
    expect(err.code).toBe(code);
    expect(err.line).toBe(line);
    expect(err.column).toBe(column);
    expect(err.message).toContain(`line ${line}`);
  });

  test.each(readdirSync(RECORDED).filter((f) => f.endsWith('.csv')))('parses recorded/%s', (file) => {
    const text = readFileSync(join(RECORDED, file), 'utf8');
    const rows = parseReplayCsv(text);
    const dataLines = text.split('\n').filter((l) => l.trim() !== '').length - 1;
    expect(rows).toHaveLength(dataLines);
    for (const m of rows) {
      expect(Number.isFinite(m.tS) && Number.isFinite(m.offsetS)).toBe(true);
      expect(m.delayS).toBeNull();
      expect(m.server).toMatch(/:\d+$/);
    }
    expect(writeReplayCsv(parseReplayCsv(writeReplayCsv(rows)))).toBe(writeReplayCsv(rows));
  });
});
