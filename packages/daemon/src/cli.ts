import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `Usage: chronotickd [options]

The ChronoTick daemon: measures the host clock against NTP, forecasts its drift and
serves corrected time with an honest uncertainty on a Unix socket.

Options:
  --config FILE|PRESET   YAML configuration, or a preset by name: default,
                         statistical, local-server, chronos-bolt (default: the
                         embedded defaults, the same as the default preset)
  --socket PATH          Unix socket to listen on (default: CHRONOTICK_SOCKET, the
                         config's socket_path, $RUNTIME_DIRECTORY, /run/chronotick when
                         root, else $XDG_RUNTIME_DIR/chronotick, else a private
                         $TMPDIR/chronotick-$UID)
  --state-dir DIR        Where learned state is kept (default: $STATE_DIRECTORY,
                         /var/lib/chronotick when root, else ~/.local/state/chronotick)
  --log-format FORMAT    text (default) or json
  --debug-trace          Log every request and internal step (level trace)
  --debug-log-file FILE  Also write debug logs to FILE as JSON lines
  -h, --help             Show this help
  -V, --version          Show the version

Exit status: 0 stopped cleanly; 1 runtime failure; 2 usage error; 73 the socket
belongs to a live daemon; 78 configuration error.`;

export interface DaemonArgs {
  config?: string | undefined;
  socket?: string | undefined;
  stateDir?: string | undefined;
  logFormat?: 'text' | 'json' | undefined;
  debugTrace: boolean;
  debugLogFile?: string | undefined;
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {
  readonly code = 'CT_USAGE';
}

export function parseDaemonArgs(argv: string[]): DaemonArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        socket: { type: 'string' },
        'state-dir': { type: 'string' },
        'log-format': { type: 'string' },
        'debug-trace': { type: 'boolean', default: false },
        'debug-log-file': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'V', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const logFormat = values['log-format'];
  if (logFormat !== undefined && logFormat !== 'text' && logFormat !== 'json') {
    throw new UsageError(`--log-format must be "text" or "json", got "${logFormat}"`);
  }
  return {
    config: values.config,
    socket: values.socket,
    stateDir: values['state-dir'],
    logFormat,
    debugTrace: values['debug-trace'] ?? false,
    debugLogFile: values['debug-log-file'],
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

/** The state directory, first that is set (see USAGE). */
export function resolveStateDir(opts: {
  flag?: string | undefined;
  configDir?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  isRoot: boolean;
}): string {
  if (opts.flag) return opts.flag;
  if (opts.configDir) return opts.configDir;
  if (opts.env.STATE_DIRECTORY) return opts.env.STATE_DIRECTORY.split(':')[0] ?? opts.env.STATE_DIRECTORY;
  if (opts.isRoot) return '/var/lib/chronotick';
  const base = opts.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'chronotick');
}
