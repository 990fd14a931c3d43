import { z } from 'zod';
import type { ChronoTickClient } from '@chronotick/client';
import {
  ConfidenceIntervalParamsShape,
  FutureUncertaintyParamsShape,
  GetTimeParamsShape,
  isoFromUnixSeconds,
  type MethodName,
} from '@chronotick/protocol';
import { convertTime } from './convert-time';
import { acceptBooleanString, acceptNumericString } from './lenient-args';
import { renderConversion, renderLocal, renderToolText } from './render';
import { hostZone, localTime, resolveZone } from './timezone';
import { waitForSyncTool, WaitForSyncShape } from './wait-for-sync';

/** What a tool call may use: the daemon, and the host's TZ for its default zone. */
export interface ToolContext {
  client: ChronoTickClient;
  /** The TZ variable the adapter was started with, for the default zone's note. */
  tz: string | undefined;
  /** Unix seconds now, for what "today" means in convert_time (a date, not a served time). */
  nowS: () => number;
}

export interface ToolResultParts {
  structured: Record<string, unknown>;
  text: string;
}

/** One MCP tool: its schema, a short description (every agent pays for it in every conversation), and its call. */
export interface ToolSpec {
  name: string;
  title: string;
  description: string;
  inputShape: z.ZodRawShape;
  run(ctx: ToolContext, args: Record<string, unknown>): Promise<ToolResultParts>;
}

const zoneArg = z.string().min(1).max(64);

/** A tool that forwards to one daemon method and adds the ISO form of corrected_time. */
function forward(name: MethodName & string, title: string, description: string, inputShape: z.ZodRawShape, hasTime = true): ToolSpec {
  return {
    name,
    title,
    description,
    inputShape,
    run: async ({ client }, args) => {
      const result = (await client.request(name, args as never)) as Record<string, unknown>;
      const structured = hasTime ? { ...result, corrected_time_iso: isoFromUnixSeconds(Number(result.corrected_time)) } : result;
      return { structured, text: renderToolText(name, structured) };
    },
  };
}

export const TOOLS: ToolSpec[] = [
  {
    name: 'get_time',
    title: 'Corrected time',
    description:
      'The true time now (host clock corrected against NTP) with its uncertainty, in UTC and in a time zone. ' +
      'To order events, compare [hard_earliest, hard_latest] intervals, not points.',
    inputShape: {
      timezone: zoneArg.optional().describe('IANA zone, e.g. Europe/Paris; default: the host’s'),
      include_stats: acceptBooleanString(GetTimeParamsShape.include_stats),
    },
    run: async ({ client, tz }, args) => {
      // The zone first: a bad name is the caller's to fix, whatever the daemon says.
      const zone = typeof args.timezone === 'string' ? resolveZone(args.timezone) : hostZone(tz);
      const params = args.include_stats === undefined ? {} : { include_stats: args.include_stats as boolean };
      const answer = (await client.request('get_time', params)) as Record<string, unknown>;
      const local = localTime(Number(answer.corrected_time), zone);
      const structured = {
        ...answer,
        corrected_time_iso: isoFromUnixSeconds(Number(answer.corrected_time)),
        ...local,
        ...(zone.note ? { timezone_note: zone.note } : {}),
      };
      return { structured, text: `${renderToolText('get_time', structured)}\n${renderLocal(structured, local, zone.note)}` };
    },
  },
  {
    name: 'convert_time',
    title: 'Convert a time between zones',
    description:
      'Convert a wall-clock time from one time zone to another; says when it falls in a DST gap or overlap or crosses a DST change.',
    inputShape: {
      time: z.string().min(1).max(64).describe('HH:MM (today) or YYYY-MM-DDTHH:MM, in source_timezone'),
      source_timezone: zoneArg.optional().describe('IANA zone; default: the host’s'),
      target_timezone: zoneArg.describe('IANA zone'),
    },
    run: async ({ tz, nowS }, args) => {
      const source = typeof args.source_timezone === 'string' ? resolveZone(args.source_timezone) : hostZone(tz);
      const target = resolveZone(String(args.target_timezone));
      const converted = convertTime(String(args.time), source, target, nowS());
      return { structured: { ...converted }, text: renderConversion(converted) };
    },
  },
  {
    name: 'wait_for_sync',
    title: 'Wait until synchronized',
    description: 'Wait (at most 60 s) until the clock is synchronized, optionally to within ±max_uncertainty_seconds.',
    inputShape: WaitForSyncShape,
    run: ({ client }, args) => waitForSyncTool(client, args),
  },
  forward(
    'get_daemon_status',
    'Time service status',
    'Health of the time service: sync state, warm-up, NTP servers, models. Not for reading the time.',
    {},
    false,
  ),
  forward(
    'get_time_with_future_uncertainty',
    'Time with projected uncertainty',
    'The corrected time now and how uncertain it will be future_seconds (0–3600) ahead if nothing is measured meanwhile.',
    { future_seconds: acceptNumericString(FutureUncertaintyParamsShape.future_seconds) },
  ),
  forward(
    'get_time_with_confidence_interval',
    'Time with a confidence interval',
    'The corrected time with an interval holding the true time with probability confidence_level (default 0.9).',
    { confidence_level: acceptNumericString(ConfidenceIntervalParamsShape.confidence_level) },
  ),
];
