import { parseServerSpec, ServerSpecError } from '@chronotick/ntp';
import { z } from 'zod';

/**
 * The configuration schema. Every key has a default, so an empty file (or none) is a
 * complete configuration: the daemon runs out of the box on these values, and
 * configs/default.yaml spells them out for people to copy and edit.
 *
 * The original ChronoTick's keys keep their names and places; the daemon's own keys
 * (socket, state, logging, server) sit beside them.
 */

const positiveSeconds = z.number().finite().positive();
const modelName = z.string().min(1);

/**
 * An NTP server spec, checked by the very parser the sampler uses: what `config check`
 * accepts, the daemon can run.
 */
const serverSpec = z.string().superRefine((spec, ctx) => {
  try {
    parseServerSpec(spec);
  } catch (err) {
    if (!(err instanceof ServerSpecError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
  }
});

const ntpSchema = z
  .object({
    servers: z.array(serverSpec).min(1).default(['pool.ntp.org', 'time.google.com', 'time.cloudflare.com', 'time.nist.gov']),
    timeout_seconds: positiveSeconds.default(2),
    /** A sample whose uncertainty exceeds this (seconds) is rejected. */
    max_acceptable_uncertainty: positiveSeconds.default(0.05),
    /** Never poll one server faster than this, seconds (NTP etiquette). */
    min_poll_seconds: positiveSeconds.default(1),
  })
  .strict();

/**
 * The normal interval. `measurement_interval` alone is a fixed interval. With
 * `min_interval` set, each server's interval adapts to the clock's stability as
 * chronyd's poll does, from `min_interval` up to `measurement_interval` (minpoll and
 * maxpoll): longer while the clock stays on its fitted line, shorter when it wanders.
 */
const normalOperationSchema = z
  .object({
    measurement_interval: positiveSeconds.default(1024),
    min_interval: positiveSeconds.optional(),
  })
  .strict()
  .superRefine((n, ctx) => {
    if (n.min_interval !== undefined && n.min_interval > n.measurement_interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['min_interval'],
        message: `must not exceed measurement_interval (${n.measurement_interval} s)`,
      });
    }
  });

/**
 * Servers whose address is on this host or the local network (loopback, 10/8,
 * 172.16/12, 192.168/16, link-local, fc00::/7), decided after name resolution, are the
 * operator's own and may be polled densely: with adaptive polling on, they adapt
 * between these bounds instead.
 */
const localServersSchema = z
  .object({
    min_interval: positiveSeconds.default(1),
    max_interval: positiveSeconds.default(16),
  })
  .strict()
  .superRefine((l, ctx) => {
    if (l.min_interval > l.max_interval) {
      ctx.addIssue({ code: 'custom', path: ['min_interval'], message: `must not exceed max_interval (${l.max_interval} s)` });
    }
  });

const timingSchema = z
  .object({
    // An iburst, as chronyd starts: a handful of quick samples per server, then normal polling.
    warm_up: z
      .object({
        duration_seconds: z.number().finite().nonnegative().default(8),
        measurement_interval: positiveSeconds.default(2),
      })
      .strict()
      .default({ duration_seconds: 8, measurement_interval: 2 }),
    // Given whole, the object is what it says (a lone measurement_interval is fixed); absent, adaptive 64–1024 s.
    normal_operation: normalOperationSchema.default({ measurement_interval: 1024, min_interval: 64 }),
    local_servers: localServersSchema.default({ min_interval: 1, max_interval: 16 }),
  })
  .strict();

const clockMeasurementSchema = z
  .object({
    ntp: ntpSchema.default(() => ntpSchema.parse({})),
    timing: timingSchema.default(() => timingSchema.parse({})),
    /** Realtime moving against monotonic by more than this (s) is a step of the host clock. */
    step_threshold_seconds: positiveSeconds.default(0.005),
    /** Holdover growth of the uncertainty, ppm (ClockBound recommends 50). */
    max_drift_ppm: z.number().finite().positive().default(50),
  })
  .strict();

function forecasterSchema(defaults: {
  model_name: string;
  inference_interval: number;
  prediction_horizon: number;
  context_length: number;
}) {
  return z
    .object({
      model_name: modelName.default(defaults.model_name),
      device: z.string().min(1).default('cpu'),
      enabled: z.boolean().default(true),
      /** Seconds between inference runs. */
      inference_interval: positiveSeconds.default(defaults.inference_interval),
      /** Steps ahead the model forecasts. */
      prediction_horizon: z.number().int().positive().default(defaults.prediction_horizon),
      /** Steps of history the model reads. */
      context_length: z.number().int().positive().default(defaults.context_length),
      /** onnxruntime intra-op threads; 1 is right on a 2-core host. */
      threads: z.number().int().positive().default(1),
      /**
       * A statistical model to run in this role when the named model cannot be loaded
       * (missing, corrupt, wrong device); null: the role stays off and the status says why.
       */
      fallback_model: z.enum(['linear', 'kalman', 'hold_last', 'median5', 'residual_ar']).nullable().default(null),
    })
    .strict();
}

// The short-term default learns this host online (residual_ar: the fit's residuals,
// temperature where the host has a sensor). In the simulator it beat the linear fit
// where the clock wanders (served p95 0.75-0.82x) and never fell behind it by more
// than 4%; the shipped ONNX short model stays available by name.
const shortTermSchema = forecasterSchema({
  model_name: 'residual_ar',
  inference_interval: 16,
  prediction_horizon: 30,
  context_length: 100,
});
const longTermSchema = forecasterSchema({
  model_name: 'chronotick-long',
  inference_interval: 30,
  prediction_horizon: 60,
  context_length: 300,
});

const fusionSchema = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * `inverse_variance`: calibrated fusion of every source. `linear`: serve the NTP
     * linear fit alone (the baseline fusion must beat; the models still run and are scored).
     */
    method: z.enum(['inverse_variance', 'linear']).default('inverse_variance'),
    /** A source whose calibrated σ exceeds this (seconds) gets no weight. */
    uncertainty_threshold: positiveSeconds.default(0.05),
    /** Probability that [earliest, latest] holds the true time. */
    coverage: z.number().gt(0).lt(1).default(0.999),
  })
  .strict();

const loggingSchema = z
  .object({
    level: z.enum(['error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** `text` for people on a terminal, `json` for log collectors. */
    format: z.enum(['text', 'json']).default('text'),
  })
  .strict();

const serverSchema = z
  .object({
    /** Requests per second allowed on one connection before CT_RATE_LIMITED. */
    rate_limit_per_second: z.number().int().positive().default(100_000),
    /** How long SIGTERM waits for in-flight requests, seconds. */
    drain_timeout_seconds: positiveSeconds.default(5),
  })
  .strict();

const stateSchema = z
  .object({
    /** Saved state older than this is ignored at start-up, seconds. */
    max_age_seconds: positiveSeconds.default(3600),
  })
  .strict();

const auditSchema = z
  .object({
    /** A JSON-lines record of every correction served. */
    enabled: z.boolean().default(true),
    /** Default: audit.jsonl in the state directory. */
    file: z.string().min(1).optional(),
    /** Rotate when the file would pass this size, bytes. */
    max_bytes: z
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024),
    /** Rotated files kept. */
    keep: z.number().int().min(0).max(100).default(3),
  })
  .strict();

export const ConfigSchema = z
  .object({
    clock_measurement: clockMeasurementSchema.default(() => clockMeasurementSchema.parse({})),
    short_term: shortTermSchema.default(() => shortTermSchema.parse({})),
    long_term: longTermSchema.default(() => longTermSchema.parse({})),
    fusion: fusionSchema.default(() => fusionSchema.parse({})),
    /** Unix socket path; unset means the discovery order (README, "The socket"). */
    socket_path: z.string().min(1).optional(),
    /** Where learned state is kept; unset means $STATE_DIRECTORY or a per-user path. */
    state_dir: z.string().min(1).optional(),
    logging: loggingSchema.default(() => loggingSchema.parse({})),
    server: serverSchema.default(() => serverSchema.parse({})),
    state: stateSchema.default(() => stateSchema.parse({})),
    metrics: z
      .object({
        /** Prometheus metrics and GET /status on 127.0.0.1:port; off when absent. */
        port: z.number().int().min(1).max(65_535).optional(),
      })
      .strict()
      .default({}),
    audit: auditSchema.default(() => auditSchema.parse({})),
  })
  .strict();

/** A complete, validated configuration. */
export type Config = z.infer<typeof ConfigSchema>;
/** What a YAML file may say: any subset of Config. */
export type ConfigInput = z.input<typeof ConfigSchema>;
