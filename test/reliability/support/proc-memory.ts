import * as fs from 'node:fs';

/** Resident set size of a process in MB, from /proc/PID/status (VmRSS, in kB). */
export function readRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Samples a process's RSS every `intervalMs` and keeps the peak, until stopped. */
export class RssSampler {
  peakMb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakMb;
  }

  private sample(): void {
    try {
      this.peakMb = Math.max(this.peakMb, readRssMb(this.pid));
    } catch {
      // The process is gone; the test's liveness check reports that, not the sampler.
    }
  }
}
