import { TsfmError, type TsfmErrorCode } from './errors';
import type { Measurement } from './measurement';

/** Columns of the replay format, in the order they are written. */
export const REPLAY_COLUMNS = ['timestamp', 'offset_s', 'delay_s', 'server', 'true_offset_s', 'temperature_c'] as const;

/** A column name of the replay format. */
export type ReplayColumn = (typeof REPLAY_COLUMNS)[number];

const REQUIRED_COLUMNS: readonly ReplayColumn[] = ['timestamp', 'offset_s', 'delay_s', 'server'];

/**
 * A replay CSV that cannot be read. `line` is 1-based and counts the header, so it
 * matches what an editor shows; `column` names the offending field when there is one.
 */
export class ReplayCsvError extends TsfmError {
  readonly line: number;
  readonly column: ReplayColumn | undefined;

  constructor(code: TsfmErrorCode, line: number, column: ReplayColumn | undefined, detail: string) {
    const where = column === undefined ? `line ${line}` : `line ${line}, column ${column}`;
    super(code, `replay CSV ${where}: ${detail}`, 'expected header timestamp,offset_s,delay_s,server[,true_offset_s][,temperature_c]');
    this.name = 'ReplayCsvError';
    this.line = line;
    this.column = column;
  }
}

// Number() accepts '', ' ', '0x10' and 'Infinity'; a replay file holds plain decimals only.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text: string, line: number, column: ReplayColumn): number {
  if (!DECIMAL.test(text)) {
    throw new ReplayCsvError('TSFM_CSV_BAD_NUMBER', line, column, `"${text}" is not a decimal number`);
  }
  return Number(text);
}

/**
 * Parse a replay series `timestamp,offset_s,delay_s,server[,true_offset_s][,temperature_c]`
 * (see data/README.md); a temperature becomes the measurement's `temperature_c` covariate. The header is required and its columns are matched by name,
 * so their order may vary; unknown columns are refused rather than ignored, because a
 * misspelt `true_offset_s` silently ignored would score an evaluation against the
 * wrong truth. Timestamps must not decrease. Blank lines and a trailing newline are
 * allowed; CRLF and a UTF-8 BOM are accepted.
 *
 * @throws ReplayCsvError with a stable code, the 1-based line and the column name.
 */
export function parseReplayCsv(text: string): Measurement[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new ReplayCsvError('TSFM_CSV_EMPTY', 1, undefined, 'the file is empty');
  const header = (lines[headerIndex] ?? '').split(',').map((h) => h.trim());
  const position = new Map<ReplayColumn, number>();
  header.forEach((name, i) => {
    if (!(REPLAY_COLUMNS as readonly string[]).includes(name)) {
      throw new ReplayCsvError('TSFM_CSV_BAD_HEADER', headerIndex + 1, undefined, `unknown column "${name}"`);
    }
    if (position.has(name as ReplayColumn)) {
      throw new ReplayCsvError('TSFM_CSV_BAD_HEADER', headerIndex + 1, undefined, `column "${name}" appears twice`);
    }
    position.set(name as ReplayColumn, i);
  });
  for (const name of REQUIRED_COLUMNS) {
    if (!position.has(name)) {
      throw new ReplayCsvError('TSFM_CSV_BAD_HEADER', headerIndex + 1, name, `missing column "${name}"`);
    }
  }

  const out: Measurement[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = raw.split(',');
    if (fields.length !== header.length) {
      throw new ReplayCsvError('TSFM_CSV_FIELD_COUNT', line, undefined, `expected ${header.length} fields, found ${fields.length}`);
    }
    const field = (name: ReplayColumn): string | undefined => {
      const at = position.get(name);
      return at === undefined ? undefined : (fields[at] ?? '').trim();
    };
    const tS = parseNumber(field('timestamp') ?? '', line, 'timestamp');
    const offsetS = parseNumber(field('offset_s') ?? '', line, 'offset_s');
    const delayText = field('delay_s') ?? '';
    const delayS = delayText === '' ? null : parseNumber(delayText, line, 'delay_s');
    if (delayS !== null && delayS < 0) {
      throw new ReplayCsvError('TSFM_CSV_BAD_VALUE', line, 'delay_s', `a round-trip delay cannot be negative (${delayText})`);
    }
    const m: Measurement = { tS, offsetS, delayS };
    const server = field('server') ?? '';
    if (server !== '') m.server = server;
    const trueText = field('true_offset_s');
    if (trueText !== undefined && trueText !== '') m.trueOffsetS = parseNumber(trueText, line, 'true_offset_s');
    const temperatureText = field('temperature_c');
    if (temperatureText !== undefined && temperatureText !== '') {
      m.covariates = { temperature_c: parseNumber(temperatureText, line, 'temperature_c') };
    }
    const prev = out[out.length - 1];
    if (prev !== undefined && tS < prev.tS) {
      throw new ReplayCsvError('TSFM_CSV_TIME_ORDER', line, 'timestamp', `timestamp ${tS} is earlier than the one before it (${prev.tS})`);
    }
    out.push(m);
  }
  return out;
}

/** Options of {@link writeReplayCsv}. */
export interface WriteReplayCsvOptions {
  /**
   * Write the `true_offset_s` column. Default: when any measurement carries a true
   * offset. Measurements without one leave the field empty.
   */
  includeTrueOffset?: boolean;
  /** Write the `temperature_c` column. Default: when any measurement carries that covariate. */
  includeTemperature?: boolean;
}

/**
 * Write measurements in the replay format: timestamps with 6 decimals (µs), offsets
 * and delays with 9 (ns), an empty `delay_s` for null, and a trailing newline.
 * Server names must not contain commas (they are `host:port`).
 */
export function writeReplayCsv(measurements: readonly Measurement[], options: WriteReplayCsvOptions = {}): string {
  const withTruth = options.includeTrueOffset ?? measurements.some((m) => m.trueOffsetS !== undefined);
  const withTemperature = options.includeTemperature ?? measurements.some((m) => m.covariates?.temperature_c !== undefined);
  const columns = REPLAY_COLUMNS.filter(
    (c) => REQUIRED_COLUMNS.includes(c) || (c === 'true_offset_s' && withTruth) || (c === 'temperature_c' && withTemperature),
  );
  const rows = [columns.join(',')];
  for (const m of measurements) {
    if (m.server !== undefined && /[,\r\n]/.test(m.server)) {
      throw new TsfmError('TSFM_BAD_OPTIONS', `server name "${m.server}" cannot be written to a CSV field`);
    }
    const numbers = [m.tS, m.offsetS, m.delayS ?? 0, m.trueOffsetS ?? 0];
    if (!numbers.every(Number.isFinite)) {
      throw new TsfmError('TSFM_BAD_OPTIONS', `measurement at ${m.tS} has a non-finite field and cannot be replayed`);
    }
    const fields = [m.tS.toFixed(6), m.offsetS.toFixed(9), m.delayS === null ? '' : m.delayS.toFixed(9), m.server ?? ''];
    if (withTruth) fields.push(m.trueOffsetS === undefined ? '' : m.trueOffsetS.toFixed(9));
    if (withTemperature) {
      const temperatureC = m.covariates?.temperature_c;
      if (temperatureC !== undefined && !Number.isFinite(temperatureC)) {
        throw new TsfmError('TSFM_BAD_OPTIONS', `measurement at ${m.tS} has a non-finite temperature and cannot be replayed`);
      }
      fields.push(temperatureC === undefined ? '' : temperatureC.toFixed(3));
    }
    rows.push(fields.join(','));
  }
  return rows.join('\n') + '\n';
}
