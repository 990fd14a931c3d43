import { parseArgs } from 'node:util';
import { ChronoTickClient, ClientError, ClientErrorCode, clientSocketCandidates, currentSocketUser } from '@chronotick/client';
import { ProtocolError } from '@chronotick/protocol';
import { checkConfig } from './commands/config-check';
import { renderSources } from './commands/sources';
import { renderStatus } from './commands/status';
import { renderTime } from './commands/time';
import { watchLine } from './commands/watch';
import { parseWaitsyncFlags, renderSynced, syncedJson, waitsync, type WaitsyncOptions } from './commands/waitsync';

export const VERSION = '0.1.0';

export const USAGE = `Usage: chronotickctl [--socket PATH] [--json] <command>

Commands:
  status              The daemon's state: sync, warm-up, offset and drift, sources, models
  time                The corrected time with its uncertainty interval
  sources             The NTP servers: reach (the last 8 polls in octal, 377 = all
                      answered), offset, delay, jitter, weight, rejects
  watch               Refresh the status live (plain lines when not on a terminal)
  waitsync            Wait until the daemon is synchronized (for ExecStartPre= of
                      services that need good time); exit 0 then, 1 on timeout
  config check [FILE] Validate what the daemon would run on: FILE or a preset's
                      name (default: the embedded defaults) with this
                      environment's CHRONOTICK_* overrides; starts nothing

Options:
  --socket PATH       The daemon's socket (default: CHRONOTICK_SOCKET, then
                      $XDG_RUNTIME_DIR/chronotick/chronotickd.sock, then
                      $TMPDIR/chronotick-$UID/chronotickd.sock, then
                      /run/chronotick/chronotickd.sock)
  --json              Print the daemon's answer as JSON, for scripts
  --interval SECONDS  watch: time between refreshes (default 1)
  --count N           watch: stop after N refreshes (default: until interrupted)
  --max-uncertainty S waitsync: also wait until the hard bound is no wider than
                      ±S seconds (the true time is certainly within S of the
                      corrected time); default: any width
  --timeout S         waitsync: give up after S seconds (default 300)
  -h, --help          Show this help
  -V, --version       Show the version

Exit status: 0 ok; 1 waitsync timed out; 2 usage error; 3 the daemon is not running;
4 the daemon answered an error; 77 permission denied on the socket; 78 config check
found an invalid file.`;

/** Exit statuses; 77 and 78 are sysexits' EX_NOPERM and EX_CONFIG. */
export const Exit = { Ok: 0, Runtime: 1, Usage: 2, NotRunning: 3, DaemonError: 4, NoPermission: 77, Config: 78 } as const;

/** Where a command writes; the bin passes process streams, tests pass collectors. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTty: boolean;
  env: NodeJS.ProcessEnv;
}

interface Options {
  socket: string | undefined;
  json: boolean;
  intervalS: number;
  count: number | undefined;
  waitsync: WaitsyncOptions;
}

/** Runs one chronotickctl invocation and returns its exit status. */
export async function run(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        socket: { type: 'string' },
        json: { type: 'boolean', default: false },
        interval: { type: 'string' },
        count: { type: 'string' },
        'max-uncertainty': { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'V', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return print(io, USAGE);
  if (values.version) return print(io, `chronotickctl ${VERSION}`);
  const intervalS = values.interval === undefined ? 1 : Number(values.interval);
  if (!(intervalS > 0)) return usage(io, `--interval must be a positive number of seconds`);
  const count = values.count === undefined ? undefined : Number(values.count);
  if (count !== undefined && !(Number.isInteger(count) && count > 0)) return usage(io, '--count must be a positive integer');
  const waitsyncOpts = parseWaitsyncFlags(values['max-uncertainty'], values.timeout);
  if (typeof waitsyncOpts === 'string') return usage(io, waitsyncOpts);
  const opts: Options = { socket: values.socket, json: values.json ?? false, intervalS, count, waitsync: waitsyncOpts };

  const [command, ...rest] = positionals;
  if (command === 'config') {
    if (rest[0] !== 'check' || rest.length > 2) return usage(io, 'usage: chronotickctl config check [FILE] [--json]');
    const result = checkConfig({ file: rest[1], env: io.env, json: opts.json });
    // --json always goes to stdout, for the script that asked; text errors to stderr.
    (result.ok || opts.json ? io.out : io.err)(`${result.text}\n`);
    return result.ok ? Exit.Ok : Exit.Config;
  }
  if (command === undefined) return usage(io, 'no command given');
  if (rest.length > 0) return usage(io, `unexpected arguments: ${rest.join(' ')}`);
  if (!['status', 'time', 'sources', 'watch', 'waitsync'].includes(command)) return usage(io, `unknown command "${command}"`);

  const client = new ChronoTickClient({
    socketPaths: clientSocketCandidates({ flag: opts.socket, env: io.env, user: currentSocketUser() }),
    timeoutMs: 5000,
  });
  try {
    return await daemonCommand(command, client, opts, io);
  } catch (err) {
    return failure(io, err);
  } finally {
    client.close();
  }
}

async function daemonCommand(command: string, client: ChronoTickClient, opts: Options, io: Io): Promise<number> {
  switch (command) {
    case 'status': {
      const status = await client.request('get_daemon_status');
      return print(io, opts.json ? json(status) : renderStatus(status));
    }
    case 'sources': {
      const status = await client.request('get_daemon_status');
      return print(io, opts.json ? json(status.ntp) : renderSources(status));
    }
    case 'time': {
      const time = await client.request('get_time');
      return print(io, opts.json ? json(time) : renderTime(time));
    }
    case 'waitsync': {
      const result = await waitsync(client, opts.waitsync);
      return print(io, opts.json ? json(syncedJson(result)) : renderSynced(result));
    }
    default:
      return watch(client, opts, io);
  }
}

async function watch(client: ChronoTickClient, opts: Options, io: Io): Promise<number> {
  for (let i = 0; opts.count === undefined || i < opts.count; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, opts.intervalS * 1000));
    const status = await client.request('get_daemon_status');
    if (opts.json) io.out(`${JSON.stringify(status)}\n`);
    else if (io.isTty) io.out(`\x1b[H\x1b[2J${renderStatus(status)}\n`);
    else io.out(`${watchLine(status, Date.now() / 1000)}\n`);
  }
  return Exit.Ok;
}

function print(io: Io, text: string): number {
  io.out(`${text}\n`);
  return Exit.Ok;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function usage(io: Io, problem: string): number {
  io.err(`chronotickctl: ${problem}\n\n${USAGE}\n`);
  return Exit.Usage;
}

function failure(io: Io, err: unknown): number {
  const hint = (h: string | undefined): string => (h ? `hint: ${h}\n` : '');
  if (err instanceof ClientError) {
    io.err(`chronotickctl: ${err.message}\n${hint(err.hint)}`);
    if (err.code === ClientErrorCode.DaemonUnreachable) return Exit.NotRunning;
    if (err.code === ClientErrorCode.SyncTimeout) return Exit.Runtime;
    return err.code === ClientErrorCode.PermissionDenied ? Exit.NoPermission : Exit.Runtime;
  }
  if (err instanceof ProtocolError) {
    io.err(`chronotickctl: the daemon answered ${err.code}: ${err.message}\n${hint(err.hint)}`);
    return Exit.DaemonError;
  }
  io.err(`chronotickctl: ${String(err)}\n`);
  return Exit.Runtime;
}
