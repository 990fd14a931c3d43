import { isoFromUnixSeconds } from '@chronotick/protocol';

/**
 * Time zones for the MCP tools: presentation only (the daemon serves UTC; this names
 * the same instant on a local clock). IANA zones come from Intl — Node ships full ICU —
 * and the common abbreviations agents type (`EDT`, `WEST`) are read as the fixed offset
 * they stand for, with a note, instead of failing as the reference time server does.
 */
export interface Zone {
  /** The IANA name, or the abbreviation as typed (upper-cased) for a fixed offset. */
  name: string;
  /** True offset of local time from UTC at a Unix instant, seconds (east positive). */
  offsetAtS(unixS: number): number;
  /** The short name at that instant (`EST`, `GMT+5:30`). */
  abbreviationAt(unixS: number): string;
  /** Whether daylight-saving time is in effect at that instant. */
  isDstAt(unixS: number): boolean;
  /** Set when the name was read loosely (an abbreviation), to be said beside the answer. */
  note?: string;
}

/** Abbreviations that name one offset only; ambiguous ones (CST, IST, BST, AST) are refused with candidates. */
const ABBREVIATIONS: Record<string, { offsetH: number; dst: boolean; iana: string }> = {
  EST: { offsetH: -5, dst: false, iana: 'America/New_York' },
  EDT: { offsetH: -4, dst: true, iana: 'America/New_York' },
  CDT: { offsetH: -5, dst: true, iana: 'America/Chicago' },
  MST: { offsetH: -7, dst: false, iana: 'America/Denver' },
  MDT: { offsetH: -6, dst: true, iana: 'America/Denver' },
  PST: { offsetH: -8, dst: false, iana: 'America/Los_Angeles' },
  PDT: { offsetH: -7, dst: true, iana: 'America/Los_Angeles' },
  AKST: { offsetH: -9, dst: false, iana: 'America/Anchorage' },
  AKDT: { offsetH: -8, dst: true, iana: 'America/Anchorage' },
  HST: { offsetH: -10, dst: false, iana: 'Pacific/Honolulu' },
  WET: { offsetH: 0, dst: false, iana: 'Europe/Lisbon' },
  WEST: { offsetH: 1, dst: true, iana: 'Europe/Lisbon' },
  CET: { offsetH: 1, dst: false, iana: 'Europe/Berlin' },
  CEST: { offsetH: 2, dst: true, iana: 'Europe/Berlin' },
  EET: { offsetH: 2, dst: false, iana: 'Europe/Athens' },
  EEST: { offsetH: 3, dst: true, iana: 'Europe/Athens' },
  MSK: { offsetH: 3, dst: false, iana: 'Europe/Moscow' },
  JST: { offsetH: 9, dst: false, iana: 'Asia/Tokyo' },
  KST: { offsetH: 9, dst: false, iana: 'Asia/Seoul' },
  AWST: { offsetH: 8, dst: false, iana: 'Australia/Perth' },
  ACST: { offsetH: 9.5, dst: false, iana: 'Australia/Darwin' },
  ACDT: { offsetH: 10.5, dst: true, iana: 'Australia/Adelaide' },
  AEST: { offsetH: 10, dst: false, iana: 'Australia/Brisbane' },
  AEDT: { offsetH: 11, dst: true, iana: 'Australia/Sydney' },
  NZST: { offsetH: 12, dst: false, iana: 'Pacific/Auckland' },
  NZDT: { offsetH: 13, dst: true, iana: 'Pacific/Auckland' },
};
const AMBIGUOUS: Record<string, string> = {
  CST: 'America/Chicago (US Central), Asia/Shanghai (China) or America/Havana (Cuba)',
  IST: 'Asia/Kolkata (India), Europe/Dublin (Ireland) or Asia/Jerusalem (Israel)',
  BST: 'Europe/London (British Summer Time) or Asia/Dhaka (Bangladesh)',
  AST: 'America/Halifax (Atlantic) or Asia/Riyadh (Arabia)',
};

/** A time zone name that names no zone; `hint` says what would. */
export class UnknownTimeZoneError extends Error {
  readonly code = 'CT_UNKNOWN_TIMEZONE';
  constructor(
    readonly zoneName: string,
    readonly hint: string,
  ) {
    super(`unknown time zone "${zoneName}"`);
    this.name = 'UnknownTimeZoneError';
  }
}

/** The zone a name stands for; throws UnknownTimeZoneError with a hint. */
export function resolveZone(name: string): Zone {
  const trimmed = name.trim();
  const upper = trimmed.toUpperCase();
  const abbreviation = ABBREVIATIONS[upper];
  if (abbreviation) return fixedZone(upper, abbreviation.offsetH, abbreviation.dst, abbreviation.iana);
  const ambiguous = AMBIGUOUS[upper];
  if (ambiguous) throw new UnknownTimeZoneError(trimmed, `"${upper}" is ambiguous: pass an IANA name, e.g. ${ambiguous}`);
  const iana = canonicalIana(trimmed);
  if (iana) return ianaZone(iana);
  throw new UnknownTimeZoneError(trimmed, `use an IANA name such as ${suggestions(trimmed).join(', ')}`);
}

/**
 * The host's zone, without crashing on a TZ that is not an IANA name (`TZ=EDT`,
 * `TZ=WEST`, an empty TZ): those fall back to UTC, and the note says so.
 */
export function hostZone(tzVariable: string | undefined): Zone {
  const found = new Intl.DateTimeFormat().resolvedOptions().timeZone as string | undefined;
  const iana = found && found !== 'Etc/Unknown' ? canonicalIana(found) : undefined;
  if (iana) return ianaZone(iana);
  const named = tzVariable === undefined ? 'the host’s time zone' : `the host’s time zone (TZ=${tzVariable})`;
  return { ...ianaZone('UTC'), note: `${named} is not an IANA zone name: answering in UTC; pass timezone, e.g. America/New_York` };
}

/** The canonical spelling of an IANA name Intl knows, in any letter case; undefined otherwise. */
function canonicalIana(name: string): string | undefined {
  // The name as listed, in its own letter case.
  const lower = name.toLowerCase();
  const listed = Intl.supportedValuesOf('timeZone').find((z) => z.toLowerCase() === lower);
  if (listed) return listed;
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  // An alias ICU knows but does not list (Asia/Kolkata, which it calls Asia/Calcutta):
  // keep the name asked for, in the usual letter case when it came all lower case.
  if (resolved === undefined || resolved.toLowerCase() === lower || !name.includes('/')) return resolved;
  if (name !== lower) return name;
  return name.replace(/(^|[/_-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
}

const formatters = new Map<string, { parts: Intl.DateTimeFormat; short: Intl.DateTimeFormat }>();

function ianaZone(name: string): Zone {
  let f = formatters.get(name);
  if (!f) {
    f = {
      parts: new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
      short: new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' }),
    };
    formatters.set(name, f);
  }
  const { parts, short } = f;
  const offsetAtS = (unixS: number): number => {
    const wholeS = Math.floor(unixS);
    const p: Record<string, number> = {};
    for (const part of parts.formatToParts(wholeS * 1000)) p[part.type] = Number(part.value);
    const wallMs = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    return Math.round(wallMs / 1000 - wholeS);
  };
  return {
    name,
    offsetAtS,
    abbreviationAt: (unixS) => short.formatToParts(unixS * 1000).find((p) => p.type === 'timeZoneName')?.value ?? name,
    isDstAt: (unixS) => offsetAtS(unixS) > standardOffsetS(offsetAtS, unixS),
  };
}

/** The smaller of a year's January and July offsets: standard time, north or south. */
function standardOffsetS(offsetAtS: (unixS: number) => number, unixS: number): number {
  const year = new Date(unixS * 1000).getUTCFullYear();
  return Math.min(offsetAtS(Date.UTC(year, 0, 1) / 1000), offsetAtS(Date.UTC(year, 6, 1) / 1000));
}

function fixedZone(abbreviation: string, offsetH: number, dst: boolean, iana: string): Zone {
  return {
    name: abbreviation,
    offsetAtS: () => offsetH * 3600,
    abbreviationAt: () => abbreviation,
    isDstAt: () => dst,
    note: `${abbreviation} is an abbreviation, not an IANA zone: read as the fixed offset UTC${formatOffset(offsetH * 3600)}; pass ${iana} to follow its daylight-saving changes`,
  };
}

/** `+05:30`, `-04:00`. */
export function formatOffset(offsetS: number): string {
  const sign = offsetS < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(offsetS / 60));
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** An instant on a zone's clock: ISO 8601 with its offset (µs), and the zone's state then. */
export interface LocalTime {
  timezone: string;
  local_time: string;
  utc_offset: string;
  abbreviation: string;
  is_dst: boolean;
}

export function localTime(unixS: number, zone: Zone): LocalTime {
  const offsetS = zone.offsetAtS(unixS);
  return {
    timezone: zone.name,
    local_time: isoFromUnixSeconds(unixS + offsetS).replace(/Z$/, formatOffset(offsetS)),
    utc_offset: formatOffset(offsetS),
    abbreviation: zone.abbreviationAt(unixS),
    is_dst: zone.isDstAt(unixS),
  };
}

/** A few IANA names close to what was typed (same city or region), else common ones. */
function suggestions(typed: string): string[] {
  const words = typed
    .toLowerCase()
    .split(/[/_\s-]+/)
    .filter((w) => w.length >= 3);
  const close = Intl.supportedValuesOf('timeZone').filter((z) => words.some((w) => z.toLowerCase().includes(w)));
  return close.length > 0 ? close.slice(0, 5) : ['America/New_York', 'Europe/London', 'Asia/Tokyo', 'UTC'];
}
