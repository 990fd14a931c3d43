import { z } from 'zod';
import { ClockStatusSchema } from './answers';

const seconds = z.number().finite();

/**
 * get_time_at: the interval of a past host-clock reading, as fbclock's gettime_past
 * gives it. A program that stamped an event with the host clock (`Date.now()`, a
 * kernel timestamp) asks afterwards where the true time certainly was at that reading,
 * as long as the daemon's measurement history reaches back that far.
 */
export const TimeAtParamsShape = {
  system_time: seconds.describe('A host-clock reading, Unix seconds, no later than now and within the daemon’s history'),
} as const;

export const TimeAtAnswerShape = {
  system_time: seconds.describe('The host-clock reading asked about, Unix seconds'),
  corrected_time: seconds.describe('Best estimate of the true time at that reading: the middle of the hard bound'),
  hard_earliest: seconds.describe(
    'The true time was certainly later, if the servers are honest and the drift error is within max_drift_ppm',
  ),
  hard_latest: seconds.describe('The true time was certainly earlier (same assumptions)'),
  clock_status: ClockStatusSchema.describe('The clock’s status now'),
  history_start: seconds.describe('The oldest host-clock reading the history can answer for, Unix seconds'),
  measurements_used: z.number().int().nonnegative().describe('Measurements whose constraints were intersected'),
} as const;
export const TimeAtAnswerSchema = z.object(TimeAtAnswerShape);
export type TimeAtAnswer = z.infer<typeof TimeAtAnswerSchema>;
