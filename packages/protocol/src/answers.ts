import { z } from 'zod';

/** Where the served correction came from. */
export const SourceSchema = z.enum(['ntp', 'short_term', 'long_term', 'statistical', 'fusion', 'holdover', 'system']);
export type Source = z.infer<typeof SourceSchema>;

/** The state of the host clock as the daemon sees it (ClockBound's vocabulary). */
export const ClockStatusSchema = z.enum(['synchronized', 'warming_up', 'free_running', 'disrupted', 'unknown']);
export type ClockStatus = z.infer<typeof ClockStatusSchema>;

/** The state of the daemon itself. */
export const DaemonStatusSchema = z.enum(['ready', 'warming_up', 'degraded', 'unsynchronized']);
export type DaemonStatus = z.infer<typeof DaemonStatusSchema>;

const seconds = z.number().finite();
const nonNegativeSeconds = z.number().finite().nonnegative();
const unitInterval = z.number().min(0).max(1);

/**
 * The answer every time query carries. Field names keep the original ChronoTick's
 * spelling so agents written for it keep working; all values are seconds (or s/s).
 */
export const TimeAnswerShape = {
  corrected_time: seconds.describe('Best estimate of true Unix time, seconds (µs resolution)'),
  system_time: seconds.describe('The host clock read for this answer, Unix seconds'),
  offset_correction: seconds.describe('corrected_time − system_time, seconds'),
  drift_rate: seconds.describe('Drift of the host clock, seconds per second (1e-6 = 1 ppm)'),
  offset_uncertainty: nonNegativeSeconds.nullable().describe('One standard deviation of the offset, s; null before any measurement'),
  drift_uncertainty: nonNegativeSeconds.nullable().describe('One standard deviation of the drift, s/s; null before any measurement'),
  time_uncertainty: nonNegativeSeconds.nullable().describe('One standard deviation of corrected_time, s; null before any measurement'),
  earliest: seconds.nullable().describe('Lower end of the calibrated interval holding the true time with probability `coverage`'),
  latest: seconds.nullable().describe('Upper end of that interval'),
  coverage: unitInterval.nullable().describe('Probability that [earliest, latest] holds the true time; null when nothing is claimed'),
  hard_earliest: seconds
    .nullable()
    .describe(
      'Lower end of the hard bound: the true time is certainly later, if the servers are honest and the drift error is within max_drift_ppm',
    ),
  hard_latest: seconds.nullable().describe('Upper end of the hard bound: the true time is certainly earlier (same assumptions)'),
  confidence: unitInterval.describe('Probability that corrected_time is within 1 ms of the true time; 0 without evidence'),
  source: SourceSchema,
  clock_status: ClockStatusSchema,
  daemon_status: DaemonStatusSchema,
  prediction_time: seconds.describe('Unix time at which the serving correction was made'),
  valid_until: seconds.describe('Unix time after which the caller should ask again'),
  detailed_stats: z.record(z.string(), z.unknown()).optional(),
} as const;
export const TimeAnswerSchema = z.object(TimeAnswerShape);
export type TimeAnswer = z.infer<typeof TimeAnswerSchema>;

export const FutureUncertaintyShape = {
  ...TimeAnswerShape,
  future_seconds: nonNegativeSeconds,
  projected_time: seconds.describe('Corrected time future_seconds from now'),
  projected_uncertainty: nonNegativeSeconds.nullable().describe('One standard deviation at that instant; null before any measurement'),
  confidence_decay: z.number().min(0).nullable().describe('Growth of uncertainty: projected / now'),
} as const;
export const FutureUncertaintySchema = z.object(FutureUncertaintyShape);
export type FutureUncertaintyAnswer = z.infer<typeof FutureUncertaintySchema>;

export const ConfidenceIntervalShape = {
  ...TimeAnswerShape,
  confidence_level: z.number().gt(0).lt(1),
  confidence_interval: z
    .object({
      lower_bound: seconds,
      upper_bound: seconds,
      range: nonNegativeSeconds.describe('upper_bound − lower_bound, seconds'),
    })
    .nullable()
    .describe('null before any measurement: nothing is claimed'),
} as const;
export const ConfidenceIntervalSchema = z.object(ConfidenceIntervalShape);
export type ConfidenceIntervalAnswer = z.infer<typeof ConfidenceIntervalSchema>;

/** One NTP server as the sampler sees it. */
export const NtpServerStatusSchema = z
  .object({
    /** As configured: `host[:port]`. */
    name: z.string(),
    /** The address it last resolved to; null before the first lookup. */
    address: z.string().nullable(),
    /** The last eight polls as bits, newest lowest (NTP's reach register). */
    reach: z.number().int().min(0).max(255),
    samples: z.number().int().nonnegative(),
    rejects: z.record(z.string(), z.number().int().nonnegative()),
    state: z.string(),
    last_offset_s: z.number().nullable(),
    last_delay_s: z.number().nullable(),
    jitter_s: z.number().nullable(),
    /** Kiss-o'-Death code last received (RATE, DENY, RSTR, …), if any. */
    kod: z.string().nullable(),
    next_poll_in_s: z.number().nullable(),
    /** Its weight in the last combined round; 0 for a falseticker. */
    weight: z.number().min(0).max(1).nullable(),
  })
  .loose();

/** One forecasting model as the engine sees it. */
export const ModelStatusSchema = z
  .object({
    role: z.enum(['short_term', 'long_term', 'statistical']),
    name: z.string(),
    enabled: z.boolean(),
    loaded: z.boolean(),
    last_inference_time: z.number().nullable(),
    calibrated_error_s: z.number().nullable(),
    weight: z.number().min(0).max(1),
  })
  .loose();

export const DaemonStatusAnswerShape = {
  status: DaemonStatusSchema,
  clock_status: ClockStatusSchema,
  warmup_progress: unitInterval,
  warmup_remaining_seconds: nonNegativeSeconds,
  total_corrections: z.number().int().nonnegative(),
  success_rate: unitInterval.describe('Share of requests answered without error'),
  average_latency_ms: z.number().nonnegative(),
  memory_usage_mb: z.number().nonnegative(),
  uptime_seconds: nonNegativeSeconds,
  last_error: z.string().nullable(),
  version: z.string(),
  pid: z.number().int(),
  socket_path: z.string(),
  offset_correction: seconds,
  offset_uncertainty: nonNegativeSeconds.nullable(),
  drift_rate: seconds,
  drift_uncertainty: nonNegativeSeconds.nullable(),
  source: SourceSchema,
  leap_indicator: z.number().int().min(0).max(3).nullable(),
  /**
   * Around a leap second: the servers followed (`announcing`: those that announce it,
   * i.e. UTC as defined) and those set aside (smearing, or not announcing it).
   */
  leap: z
    .object({
      leap_at: z.number().nullable(),
      following: z.enum(['all', 'announcing']),
      set_aside: z.array(z.string()),
    })
    .optional(),
  /**
   * Whether the promise holds: the share of served answers (and of each predictor's
   * own claims) whose 95% interval held a reference fitted later to the measurements
   * that followed, over the last hour and day, beside the 95% claimed; and the hard
   * bound's width now.
   */
  record: z
    .object({
      claimed_coverage: unitInterval,
      scored: z.number().int().nonnegative(),
      served: z.object({
        hour: unitInterval.nullable(),
        day: unitInterval.nullable(),
        drift_day: unitInterval.nullable(),
        /** Projections 10 min and 1 h ahead (get_time_with_future_uncertainty), scored against what arrived. */
        projected_day: unitInterval.nullable(),
      }),
      predictors: z.record(z.string(), z.object({ hour: unitInterval.nullable(), day: unitInterval.nullable() })),
      hard_bound_width_s: nonNegativeSeconds.nullable(),
    })
    .optional(),
  ntp: z.object({
    servers: z.array(NtpServerStatusSchema),
    last_measurement_time: z.number().nullable(),
    summary: z.string(),
  }),
  models: z.array(ModelStatusSchema),
} as const;
export const DaemonStatusAnswerSchema = z.object(DaemonStatusAnswerShape);
export type DaemonStatusAnswer = z.infer<typeof DaemonStatusAnswerSchema>;
