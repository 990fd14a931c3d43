import { parseArgs } from 'node:util';

export const EVAL_USAGE = `Usage: chronotick-eval --data FILE.csv [--json] [--config FILE]
       chronotick-eval --scenario NAME [--seed N] [--hours H] [--polling P] [--json] [--config FILE]

--data replays a recorded or synthetic offset series in virtual time: each measurement
after the first 8 is predicted from those strictly before it, by every method (system
clock, hold_last, linear, kalman, the configured ONNX models) and by fusion — the series
fed through the daemon's own pipeline and models, i.e. what get_time would have served —
and scored against true_offset_s when the file has it, else against offset_s.

--scenario runs the daemon's whole time path (NTP sampler, models, pipeline) against a
simulated host clock, network and servers in virtual time, and scores what get_time
answered every 10 s against the truth: |error| p50/p95/max, coverage of the 95%
interval and of [earliest, latest], the drift's error and coverage, time per clock status.

Options:
  --data FILE     Replay CSV: timestamp,offset_s,delay_s,server[,true_offset_s][,temperature_c]
  --scenario NAME A simulated scenario (an unknown name lists them)
  --seed N        Seed of the scenario's world (default 1)
  --hours H       Length of the scenario run (default: the scenario's own)
  --polling P     scenario: the fixed polling the scenario is about (default);
                  default: the daemon's default polling (an iburst, then adaptive)
  --json          Print one JSON object instead of the table
  --config FILE   YAML configuration; its short_term/long_term model_name and threads
                  choose the ONNX models (default: the embedded defaults)
  -h, --help      Show this help
  -V, --version   Show the version

Exit status: 0 success; 1 runtime failure (a model cannot be loaded); 2 usage error or
an unreadable CSV (the message names the line); 78 configuration error.`;

/** Parsed command line of chronotick-eval. */
export interface EvalArgs {
  data: string | undefined;
  scenario: string | undefined;
  seed: number;
  hours: number | undefined;
  polling: 'scenario' | 'default';
  json: boolean;
  config: string | undefined;
  help: boolean;
  version: boolean;
}

/** Bad flags: exit 2 with the usage. */
export class EvalUsageError extends Error {
  readonly code = 'CT_USAGE';
}

/** @throws EvalUsageError for unknown flags, positionals or a missing --data. */
export function parseEvalArgs(argv: readonly string[]): EvalArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        scenario: { type: 'string' },
        seed: { type: 'string' },
        hours: { type: 'string' },
        polling: { type: 'string' },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'V', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new EvalUsageError((err as Error).message);
  }
  const args: EvalArgs = {
    data: values.data,
    scenario: values.scenario,
    seed: wholeNumber('--seed', values.seed ?? '1'),
    hours: values.hours === undefined ? undefined : positiveNumber('--hours', values.hours),
    polling: pollingMode(values.polling ?? 'scenario'),
    json: values.json ?? false,
    config: values.config,
    help: values.help ?? false,
    version: values.version ?? false,
  };
  if (args.help || args.version) return args;
  const hasData = args.data !== undefined && args.data !== '';
  const hasScenario = args.scenario !== undefined && args.scenario !== '';
  if (hasData === hasScenario) throw new EvalUsageError('give either --data FILE or --scenario NAME');
  if (hasData && (values.seed !== undefined || values.hours !== undefined || values.polling !== undefined))
    throw new EvalUsageError('--seed, --hours and --polling go with --scenario');
  return args;
}

function pollingMode(text: string): 'scenario' | 'default' {
  if (text !== 'scenario' && text !== 'default') throw new EvalUsageError(`--polling takes scenario or default, got "${text}"`);
  return text;
}

function wholeNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new EvalUsageError(`${flag} takes a whole number, got "${text}"`);
  return n;
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new EvalUsageError(`${flag} takes a positive number, got "${text}"`);
  return n;
}
