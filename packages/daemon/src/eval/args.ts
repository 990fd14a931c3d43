import { parseArgs } from 'node:util';

export const EVAL_USAGE = `Usage: chronotick-eval --data FILE.csv [--json] [--config FILE]

Replays a recorded or synthetic offset series in virtual time: each measurement after
the first 8 is predicted from those strictly before it, by every method (system clock,
hold_last, linear, kalman, and the configured ONNX models), and scored against
true_offset_s when the file has it, else against offset_s.

Options:
  --data FILE     Replay CSV: timestamp,offset_s,delay_s,server[,true_offset_s]
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
    json: values.json ?? false,
    config: values.config,
    help: values.help ?? false,
    version: values.version ?? false,
  };
  if (!args.help && !args.version && (args.data === undefined || args.data === '')) throw new EvalUsageError('--data FILE is required');
  return args;
}
