import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * System covariates the original ChronoTick attached to each measurement: CPU load,
 * memory in use and, where the host exposes one, a temperature. A quartz oscillator's
 * frequency follows its temperature, and load heats the package, so models that see
 * these can tell a drift change coming before the offsets show it.
 */
export interface Covariates {
  /** One-minute load average divided by the number of CPUs. */
  cpu_load: number;
  /** Fraction of memory in use, 0–1. */
  memory_used: number;
  /** Degrees Celsius of the first thermal zone, when there is one. */
  temperature_c?: number;
}

const THERMAL_ROOT = '/sys/class/thermal';

/** Reads the covariates now; cheap (a few syscalls), called once per NTP round. */
export function readCovariates(thermalRoot = THERMAL_ROOT): Covariates {
  const cpus = Math.max(1, os.cpus().length);
  const covariates: Covariates = {
    cpu_load: (os.loadavg()[0] ?? 0) / cpus,
    memory_used: 1 - os.freemem() / os.totalmem(),
  };
  const temperature = readTemperatureC(thermalRoot);
  if (temperature !== undefined) covariates.temperature_c = temperature;
  return covariates;
}

function readTemperatureC(root: string): number | undefined {
  try {
    const zone = fs.readdirSync(root).find((name) => name.startsWith('thermal_zone'));
    if (!zone) return undefined;
    const milliC = Number(fs.readFileSync(path.join(root, zone, 'temp'), 'utf8').trim());
    return Number.isFinite(milliC) ? milliC / 1000 : undefined;
  } catch {
    return undefined; // no thermal zones (VMs, containers): the covariate is simply absent
  }
}
