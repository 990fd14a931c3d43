import { parseArgs } from 'node:util';
import { ChronoTickClient, ClientError, ClientErrorCode, clientSocketCandidates } from '@chronotick/client';
import { ProtocolError } from '@chronotick/protocol';
import { renderStatus } from './commands/status';
import { renderTime } from './commands/time';

export const VERSION = '0.1.0';

export const USAGE = `Usage: chronotickctl [--socket PATH] [--json] <command>

Commands:
  status     The daemon's state: sync, warm-up, offset and drift, sources, models
  time       The corrected time with its uncertainty interval

Options:
  --socket PATH   The daemon's socket (default: CHRONOTICK_SOCKET, then
                  $XDG_RUNTIME_DIR/chronotick/chronotickd.sock, then
                  /run/chronotick/chronotickd.sock)
  --json          Print the daemon's answer as JSON, for scripts
  -h, --help      Show this help
  -V, --version   Show the version

Exit status: 0 ok; 2 usage error; 3 the daemon is not running; 4 the daemon answered an error.`;

export const Exit = { Ok: 0, Runtime: 1, Usage: 2, NotRunning: 3, DaemonError: 4 } as const;

/** What a run printed and how it ended; the bin writes it out and exits. */
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        socket: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'V', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { code: Exit.Ok, stdout: `${USAGE}\n`, stderr: '' };
  if (values.version) return { code: Exit.Ok, stdout: `chronotickctl ${VERSION}\n`, stderr: '' };
  const [command, ...rest] = positionals;
  if (command === undefined) return usage('no command given');
  if (rest.length > 0) return usage(`unexpected arguments: ${rest.join(' ')}`);

  const client = new ChronoTickClient({
    socketPaths: clientSocketCandidates({ flag: values.socket, env }),
    timeoutMs: 5000,
  });
  try {
    switch (command) {
      case 'status': {
        const status = await client.request('get_daemon_status');
        return ok(values.json ? json(status) : renderStatus(status));
      }
      case 'time': {
        const time = await client.request('get_time');
        return ok(values.json ? json(time) : renderTime(time));
      }
      default:
        return usage(`unknown command "${command}"`);
    }
  } catch (err) {
    return failure(err);
  } finally {
    client.close();
  }
}

function ok(text: string): Outcome {
  return { code: Exit.Ok, stdout: `${text}\n`, stderr: '' };
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function usage(problem: string): Outcome {
  return { code: Exit.Usage, stdout: '', stderr: `chronotickctl: ${problem}\n\n${USAGE}\n` };
}

function failure(err: unknown): Outcome {
  if (err instanceof ClientError) {
    const code = err.code === ClientErrorCode.DaemonUnreachable ? Exit.NotRunning : Exit.Runtime;
    return { code, stdout: '', stderr: `chronotickctl: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}` };
  }
  if (err instanceof ProtocolError) {
    return {
      code: Exit.DaemonError,
      stdout: '',
      stderr: `chronotickctl: the daemon answered ${err.code}: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`,
    };
  }
  return { code: Exit.Runtime, stdout: '', stderr: `chronotickctl: ${String(err)}\n` };
}
