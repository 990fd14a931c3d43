import { z } from 'zod';
import {
  ConfidenceIntervalParamsShape,
  ConfidenceIntervalShape,
  DaemonStatusAnswerShape,
  FutureUncertaintyParamsShape,
  FutureUncertaintyShape,
  GetTimeParamsShape,
  TimeAnswerShape,
  type MethodName,
} from '@chronotick/protocol';
import { acceptBooleanString, acceptNumericString } from './lenient-args';

const isoField = {
  corrected_time_iso: z.string().describe('corrected_time as ISO 8601 UTC with microseconds'),
};

/** One MCP tool: which daemon method it forwards to, and how it describes itself. */
export interface ToolSpec {
  name: string;
  method: MethodName;
  title: string;
  description: string;
  inputShape: z.ZodRawShape;
  outputShape: z.ZodRawShape;
  /** Whether the answer carries corrected_time (and so gets corrected_time_iso). */
  hasTime: boolean;
}

/**
 * The four tools of the original ChronoTick, by the same names and fields. The
 * descriptions are written for a model deciding which to call.
 */
export const TOOLS: ToolSpec[] = [
  {
    name: 'get_time',
    method: 'get_time',
    title: 'Corrected time',
    description:
      "The current true time, corrected for the host clock's measured error, with its " +
      'uncertainty and an interval [earliest, latest] that holds the true time with the stated ' +
      'coverage. Use it instead of the system clock whenever the time matters: timestamps for ' +
      'logs or records, deadlines, or ordering events across machines (compare intervals, not ' +
      'points: two events are ordered only if their intervals do not overlap).',
    inputShape: { include_stats: acceptBooleanString(GetTimeParamsShape.include_stats) },
    outputShape: { ...TimeAnswerShape, ...isoField },
    hasTime: true,
  },
  {
    name: 'get_daemon_status',
    method: 'get_daemon_status',
    title: 'Time service status',
    description:
      'Health of the ChronoTick daemon: synchronisation state, warm-up progress, NTP servers, ' +
      'models and their weights, memory and uptime. Use it to judge whether the time answers ' +
      'can be trusted or to diagnose a problem, not to read the time.',
    inputShape: {},
    outputShape: DaemonStatusAnswerShape,
    hasTime: false,
  },
  {
    name: 'get_time_with_future_uncertainty',
    method: 'get_time_with_future_uncertainty',
    title: 'Time with projected uncertainty',
    description:
      'The corrected time now plus how uncertain the clock will be future_seconds from now ' +
      '(0–3600) if nothing is measured meanwhile. Use it to plan work that must happen by a ' +
      'deadline or to decide how long a timestamp taken now stays trustworthy.',
    inputShape: { future_seconds: acceptNumericString(FutureUncertaintyParamsShape.future_seconds) },
    outputShape: { ...FutureUncertaintyShape, ...isoField },
    hasTime: true,
  },
  {
    name: 'get_time_with_confidence_interval',
    method: 'get_time_with_confidence_interval',
    title: 'Time with a confidence interval',
    description:
      'The corrected time with an interval that holds the true time with probability ' +
      'confidence_level (0 < c < 1, default 0.9). Use it when you need a bound at a specific ' +
      'confidence, e.g. 0.99 before asserting that one event happened before another.',
    inputShape: { confidence_level: acceptNumericString(ConfidenceIntervalParamsShape.confidence_level) },
    outputShape: { ...ConfidenceIntervalShape, ...isoField },
    hasTime: true,
  },
];
