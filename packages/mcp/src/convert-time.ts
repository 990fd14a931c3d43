import { formatOffset, localTime, type LocalTime, type Zone } from './timezone';

/**
 * convert_time: a wall-clock time in one zone, named in another. Presentation only, as
 * the reference time server's tool is, with what it leaves out: a wall time that a DST
 * change skipped or repeated is said to be so, and a difference between two zones that
 * differs from today's (one of them changes clocks in between) is pointed out.
 */
export interface ConvertedTime {
  source: LocalTime;
  target: LocalTime;
  /** Unix seconds of the instant converted. */
  unix_time: number;
  /** Target minus source offset, e.g. `+5.0h`, `-3.5h`. */
  time_difference: string;
  /** The wall time fell in a DST gap (did not exist) or overlap (existed twice). */
  dst_gap: boolean;
  dst_ambiguous: boolean;
  /** What a reader should know: gaps, overlaps, a difference unlike today's. */
  notes: string[];
}

/** A time the tool cannot read; the message says which forms it takes. */
export class BadTimeError extends Error {
  readonly code = 'CT_BAD_TIME';
}

const FORMS = 'HH:MM (today), YYYY-MM-DDTHH:MM[:SS], or an ISO instant with Z or an offset';
const WALL = /^(?:(\d{4})-(\d{2})-(\d{2})[T ])?(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const DAY_S = 86_400;

/** Converts `time` read in `source` to `target`; `nowS` decides what "today" is for HH:MM. */
export function convertTime(time: string, source: Zone, target: Zone, nowS: number): ConvertedTime {
  const text = time.trim();
  const notes: string[] = [];
  let unixS: number;
  let gap = false;
  let ambiguous = false;
  if (INSTANT.test(text)) {
    unixS = Date.parse(text) / 1000;
    if (!Number.isFinite(unixS)) throw new BadTimeError(`cannot read "${time}" as a time: use ${FORMS}`);
  } else {
    const wall = parseWall(text, source, nowS);
    const resolved = resolveWall(wall, source);
    unixS = resolved.unixS;
    gap = resolved.kind === 'gap';
    ambiguous = resolved.kind === 'ambiguous';
    const day = isoDate(wall);
    if (resolved.kind === 'gap') {
      notes.push(
        `${wallText(wall)} does not exist in ${source.name} on ${day}: the clocks skipped it (DST began); ` +
          `read as ${localTime(unixS, source).local_time}`,
      );
    } else if (resolved.kind === 'ambiguous') {
      const [first, second] = resolved.candidatesS.map((s) => `${source.abbreviationAt(s)} (${formatOffset(source.offsetAtS(s))})`);
      notes.push(
        `${wallText(wall)} happens twice in ${source.name} on ${day} (DST ended): read as the first, ${first}; the second is ${second}`,
      );
    }
  }
  const differenceS = target.offsetAtS(unixS) - source.offsetAtS(unixS);
  const todayS = target.offsetAtS(nowS) - source.offsetAtS(nowS);
  if (differenceS !== todayS) {
    notes.push(
      `the difference between ${source.name} and ${target.name} is ${hours(differenceS)} then but ${hours(todayS)} now: ` +
        'a DST change lies between',
    );
  }
  for (const zone of [source, target]) if (zone.note && !notes.includes(zone.note)) notes.push(zone.note);
  return {
    source: localTime(unixS, source),
    target: localTime(unixS, target),
    unix_time: unixS,
    time_difference: hours(differenceS),
    dst_gap: gap,
    dst_ambiguous: ambiguous,
    notes,
  };
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function parseWall(text: string, source: Zone, nowS: number): Wall {
  const m = WALL.exec(text);
  if (!m) throw new BadTimeError(`cannot read "${text}" as a time: use ${FORMS}`);
  const [, y, mo, d, h, mi, s, frac] = m;
  let date = { year: Number(y), month: Number(mo), day: Number(d) };
  if (y === undefined) {
    // HH:MM means today on the source zone's calendar.
    const today = new Date((nowS + source.offsetAtS(nowS)) * 1000);
    date = { year: today.getUTCFullYear(), month: today.getUTCMonth() + 1, day: today.getUTCDate() };
  }
  const wall = { ...date, hour: Number(h), minute: Number(mi), second: Number(s ?? 0) + Number(frac ?? 0) };
  const check = new Date(Date.UTC(wall.year, wall.month - 1, wall.day));
  if (
    wall.hour > 23 ||
    wall.minute > 59 ||
    wall.second >= 60 ||
    check.getUTCDate() !== wall.day ||
    check.getUTCMonth() !== wall.month - 1
  ) {
    throw new BadTimeError(`"${text}" is not a valid date and time: use ${FORMS}`);
  }
  return wall;
}

type Resolved = { kind: 'unique' | 'gap'; unixS: number } | { kind: 'ambiguous'; unixS: number; candidatesS: [number, number] };

/**
 * The instant(s) at which `zone`'s clock shows `wall`. Offsets a day either side bound
 * what it can be (one change at most in two days): each that maps back to the wall time
 * is an instant. None: the wall time fell in a gap, read with the offset before it
 * (later by the gap, as Temporal's "compatible" does). Two: an overlap, the first taken.
 */
function resolveWall(wall: Wall, zone: Zone): Resolved {
  const wallAsUtcS = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute) / 1000 + wall.second;
  const before = zone.offsetAtS(wallAsUtcS - DAY_S);
  const after = zone.offsetAtS(wallAsUtcS + DAY_S);
  const candidates = [...new Set([before, after])]
    .map((offsetS) => wallAsUtcS - offsetS)
    .filter((s) => zone.offsetAtS(s) === wallAsUtcS - s)
    .sort((a, b) => a - b);
  const [first, second] = candidates;
  if (first === undefined) return { kind: 'gap', unixS: wallAsUtcS - before };
  if (second === undefined) return { kind: 'unique', unixS: first };
  return { kind: 'ambiguous', unixS: first, candidatesS: [first, second] };
}

function hours(offsetS: number): string {
  const h = offsetS / 3600;
  return `${h >= 0 ? '+' : ''}${h.toFixed(Number.isInteger(h * 2) ? 1 : 2)}h`;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const isoDate = (w: Wall): string => `${w.year}-${pad(w.month)}-${pad(w.day)}`;
const wallText = (w: Wall): string => `${pad(w.hour)}:${pad(w.minute)}`;
