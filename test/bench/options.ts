/** Command-line options and the sizes each mode uses. */
export interface BenchOptions {
  json: boolean;
  quick: boolean;
  /** Section ids to run; empty means all. */
  only: string[];
  /** chrony-live's phases to run (drift, wander); empty means all. */
  chronyPhases: string[];
  sizes: BenchSizes;
}

export interface BenchSizes {
  /** Sequential socket latency: interleaved blocks per server, requests per block, warm-up requests. */
  latencyBlocks: number;
  latencyBlockRequests: number;
  latencyWarmupRequests: number;
  /** Throughput: rounds per server, warm-up and measured time per round. */
  throughputRounds: number;
  throughputWarmupMs: number;
  throughputMeasureMs: number;
  /** Requests each client keeps in flight. */
  throughputWindow: number;
  /** MCP tool calls: warm-up and measured. */
  mcpWarmupCalls: number;
  mcpCalls: number;
  /** Start-up: fresh spawns per server kind. */
  startupSpawns: number;
}

const FULL: BenchSizes = {
  latencyBlocks: 30,
  latencyBlockRequests: 1000,
  latencyWarmupRequests: 3000,
  throughputRounds: 3,
  throughputWarmupMs: 500,
  throughputMeasureMs: 3000,
  throughputWindow: 16,
  mcpWarmupCalls: 100,
  mcpCalls: 1000,
  startupSpawns: 5,
};

const QUICK: BenchSizes = {
  latencyBlocks: 10,
  latencyBlockRequests: 500,
  latencyWarmupRequests: 1000,
  throughputRounds: 2,
  throughputWarmupMs: 300,
  throughputMeasureMs: 1000,
  throughputWindow: 16,
  mcpWarmupCalls: 30,
  mcpCalls: 200,
  startupSpawns: 2,
};

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--only SECTION[,SECTION...]] [--chrony-phase PHASE[,PHASE]]

  --quick   a few minutes' run with fewer samples (default: the full run, about 85 min;
            the live comparison with chronyd takes 75 of them)
  --json    print one JSON object on stdout instead of the table
  --only    run only these section ids (see the table's first column)
  --chrony-phase  chrony-live runs only these phases (drift, wander): 15 and 60
            minutes of the full section's 75
`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  let json = false;
  let quick = false;
  let only: string[] = [];
  let chronyPhases: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--quick') quick = true;
    else if (arg === '--only') only = (argv[++i] ?? '').split(',').filter((s) => s !== '');
    else if (arg === '--chrony-phase') chronyPhases = (argv[++i] ?? '').split(',').filter((s) => s !== '');
    else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else throw new UsageError(`unknown option: ${arg}`);
  }
  return { json, quick, only, chronyPhases, sizes: quick ? QUICK : FULL };
}

export class UsageError extends Error {
  override name = 'UsageError';
}
