/**
 * `npm run bench`: runs the sections of sections/index.ts in order against one
 * long-lived daemon and one echo floor, then prints a table (or, with --json, one
 * JSON object on stdout). Progress goes to stderr. Exit 0 when the bench ran (missed
 * targets are printed as MISSED, not turned into a failure), 1 when it could not run,
 * 2 on a usage error.
 */
import { describeMachine } from './lib/machine';
import { ProcessRegistry } from './lib/processes';
import { startServer, type ServerHandle, type ServerKind } from './lib/servers';
import { USAGE, UsageError, parseOptions, type BenchOptions } from './options';
import { renderTable, toJson, type SectionResult } from './report';
import type { BenchContext } from './section';
import { SECTIONS } from './sections';

async function main(options: BenchOptions, registry: ProcessRegistry): Promise<void> {
  const unknown = options.only.filter((id) => !SECTIONS.some((s) => s.id === id));
  if (unknown.length > 0) throw new UsageError(`unknown section(s): ${unknown.join(', ')}`);
  const ctx = createContext(options, registry);
  const startedAt = new Date();
  const startNs = process.hrtime.bigint();
  const results: SectionResult[] = [];
  for (const section of SECTIONS) {
    if (options.only.length > 0 && !options.only.includes(section.id)) continue;
    ctx.progress(`— ${section.id}`);
    try {
      results.push({ id: section.id, title: section.title, figures: await section.run(ctx) });
    } catch (err) {
      // One broken section must not hide the figures of the others.
      results.push({ id: section.id, title: section.title, figures: [], error: (err as Error).message });
    }
  }
  const durationS = Number(process.hrtime.bigint() - startNs) / 1e9;
  const mode = options.quick ? 'quick' : 'full';
  const machine = describeMachine();
  if (options.json) {
    const meta = { date: startedAt.toISOString(), mode, duration_s: Math.round(durationS * 10) / 10, machine };
    process.stdout.write(`${JSON.stringify(toJson(meta, results), null, 2)}\n`);
  } else {
    const header =
      `ChronoTick bench (${mode}), ${startedAt.toISOString()}, ${durationS.toFixed(1)} s\n` +
      `machine: ${machine.cpus} × ${machine.cpu_model}, ${machine.memory_gib} GiB, node ${machine.node}, ${machine.platform}, load average ${machine.load_avg_1m_at_start}`;
    process.stdout.write(renderTable(header, results));
  }
}

function createContext(options: BenchOptions, registry: ProcessRegistry): BenchContext {
  const shared = new Map<ServerKind, Promise<ServerHandle>>();
  const once = (kind: ServerKind): Promise<ServerHandle> => {
    let server = shared.get(kind);
    if (!server) {
      server = startServer(registry, kind);
      shared.set(kind, server);
    }
    return server;
  };
  return {
    options,
    registry,
    daemon: () => once('daemon'),
    echo: () => once('echo'),
    progress: (message) => {
      if (!options.json || process.stderr.isTTY) process.stderr.write(`bench: ${message}\n`);
    },
  };
}

function run(): void {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(`${message ? `bench: ${message}\n` : ''}${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const registry = new ProcessRegistry();
  const interrupted = (signal: NodeJS.Signals): void => {
    process.stderr.write(`bench: ${signal}, stopping the servers it started\n`);
    void registry.stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  main(options, registry)
    .catch((err: unknown) => {
      process.stderr.write(`bench: ${err instanceof UsageError ? '' : 'failed: '}${(err as Error).message}\n`);
      process.exitCode = err instanceof UsageError ? 2 : 1;
    })
    .finally(() => registry.stopAll());
}

run();
