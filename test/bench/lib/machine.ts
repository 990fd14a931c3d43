import * as fs from 'node:fs';
import * as os from 'node:os';

/** What the figures came from: they mean little without the machine beside them. */
export function describeMachine(): Record<string, string | number> {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpuModel = match[1].trim();
  } catch {
    // not Linux: os.cpus() is what we have
  }
  return {
    cpus: os.availableParallelism(),
    cpu_model: cpuModel,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    // Other work on the machine moves every figure; the load says how much there was.
    load_avg_1m_at_start: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}
