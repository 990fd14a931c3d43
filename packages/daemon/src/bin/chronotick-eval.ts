#!/usr/bin/env node
import { ConfigError, loadConfig, type Config } from '@chronotick/config';
import { TsfmError } from '@chronotick/tsfm';
import { SimError, simScenario } from '@chronotick/sim';
import {
  EVAL_USAGE,
  EvalUsageError,
  ReplayFileError,
  evalJson,
  evalTable,
  evaluateServed,
  parseEvalArgs,
  readReplayFile,
  scenarioTable,
} from '../eval';
import { runScenario } from '../sim/run-scenario';
import { VERSION } from '../version';
import { Exit } from './exit-codes';

async function main(): Promise<number> {
  let args;
  try {
    args = parseEvalArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof EvalUsageError)) throw err;
    process.stderr.write(`chronotick-eval: ${err.message}\n\n${EVAL_USAGE}\n`);
    return Exit.Usage;
  }
  if (args.help) {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`chronotick-eval ${VERSION}\n`);
    return 0;
  }
  let config;
  try {
    config = loadConfig({ file: args.config, env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`chronotick-eval: configuration error (${err.code}): ${err.message}\n`);
      return Exit.Config;
    }
    throw err;
  }
  if (args.scenario !== undefined)
    return runScenarioCommand(args.scenario, { seed: args.seed, hours: args.hours, polling: args.polling }, args.json, config);
  let series;
  try {
    series = readReplayFile(args.data as string);
  } catch (err) {
    if (!(err instanceof ReplayFileError)) throw err;
    process.stderr.write(`chronotick-eval: ${err.message}\n`);
    return Exit.Usage;
  }
  try {
    // fusion is what the daemon would serve: the series through its own pipeline and models.
    const result = await evaluateServed(series, config);
    process.stdout.write(args.json ? `${JSON.stringify(evalJson(result))}\n` : evalTable(result, args.data as string));
    return 0;
  } catch (err) {
    if (err instanceof TsfmError) {
      process.stderr.write(`chronotick-eval: ${err.message} [${err.code}]${err.hint === undefined ? '' : `\n  hint: ${err.hint}`}\n`);
      return Exit.Runtime;
    }
    throw err;
  }
}

/** `--scenario`: the daemon's time path against a simulated world, scored against the truth. */
async function runScenarioCommand(
  name: string,
  { seed, hours, polling }: { seed: number; hours: number | undefined; polling: 'scenario' | 'default' },
  json: boolean,
  config: Config,
): Promise<number> {
  let scenario;
  try {
    scenario = simScenario(name, { seed, polling, ...(hours === undefined ? {} : { hours }) });
  } catch (err) {
    if (!(err instanceof SimError)) throw err;
    process.stderr.write(`chronotick-eval: ${err.message}\n`);
    return Exit.Usage;
  }
  // The configuration (file and environment) under the scenario's servers and polling.
  const report = await runScenario(scenario, { baseConfig: config as unknown as Record<string, unknown> });
  process.stdout.write(json ? `${JSON.stringify(report)}\n` : scenarioTable(report));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`chronotick-eval: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = Exit.Runtime;
  },
);
