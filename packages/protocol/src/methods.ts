import { z } from 'zod';
import { ConfidenceIntervalSchema, DaemonStatusAnswerSchema, FutureUncertaintySchema, TimeAnswerSchema } from './answers';
import { TimeAtAnswerSchema, TimeAtParamsShape } from './past-time';

/** The longest look-ahead get_time_with_future_uncertainty accepts, seconds. */
export const MAX_FUTURE_SECONDS = 3600;
export const DEFAULT_CONFIDENCE_LEVEL = 0.9;

export const GetTimeParamsShape = {
  include_stats: z.boolean().optional().describe('Add a detailed_stats object to the answer'),
} as const;

export const FutureUncertaintyParamsShape = {
  future_seconds: z
    .number({
      error: (issue) =>
        issue.input === undefined
          ? `future_seconds is required: how far ahead to project, 0–${MAX_FUTURE_SECONDS} seconds`
          : 'future_seconds must be a number of seconds',
    })
    .finite()
    .min(0, { error: `future_seconds must be between 0 and ${MAX_FUTURE_SECONDS} seconds` })
    .max(MAX_FUTURE_SECONDS, { error: `future_seconds must be between 0 and ${MAX_FUTURE_SECONDS} seconds` })
    .describe(`How far ahead to project, seconds (0–${MAX_FUTURE_SECONDS})`),
} as const;

export const ConfidenceIntervalParamsShape = {
  confidence_level: z
    .number({ error: 'confidence_level must be a number between 0 and 1, e.g. 0.95' })
    .gt(0, { error: 'confidence_level must be strictly between 0 and 1, e.g. 0.95' })
    .lt(1, { error: 'confidence_level must be strictly between 0 and 1, e.g. 0.95' })
    .optional()
    .describe(`Probability the interval must hold the true time (0 < c < 1, default ${DEFAULT_CONFIDENCE_LEVEL})`),
} as const;

/**
 * The method table: each daemon method names its params and result schema once, and
 * the daemon, the client and the CLI all type their calls from it. Adding a method is
 * adding one entry here and one handler in the daemon.
 */
export const methods = {
  ping: {
    params: z.object({}).strict(),
    result: z.object({ pong: z.literal(true), version: z.string(), uptime_seconds: z.number() }),
  },
  get_time: {
    params: z.object(GetTimeParamsShape).strict(),
    result: TimeAnswerSchema,
  },
  get_daemon_status: {
    params: z.object({}).strict(),
    result: DaemonStatusAnswerSchema,
  },
  get_time_with_future_uncertainty: {
    params: z.object(FutureUncertaintyParamsShape).strict(),
    result: FutureUncertaintySchema,
  },
  get_time_with_confidence_interval: {
    params: z.object(ConfidenceIntervalParamsShape).strict(),
    result: ConfidenceIntervalSchema,
  },
  get_time_at: {
    params: z.object(TimeAtParamsShape).strict(),
    result: TimeAtAnswerSchema,
  },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
