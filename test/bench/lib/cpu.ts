import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

let ticksPerS: number | undefined;

/** Clock ticks per second of /proc/PID/stat times; 100 on nearly every Linux. */
function clockTicksPerS(): number {
  if (ticksPerS === undefined) {
    try {
      ticksPerS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerS = 100;
    }
  }
  return ticksPerS;
}

/**
 * CPU seconds (user + system) a live process has used, from /proc (Linux only).
 * CPU per request is steadier than requests per second on a shared machine: other
 * work steals wall time from a server, but not its own CPU time per request.
 */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utimeTicks = Number(fields[11]);
  const stimeTicks = Number(fields[12]);
  return (utimeTicks + stimeTicks) / clockTicksPerS();
}
