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
  /** Degrees Celsius of the first thermal zone or, failing that, of a hwmon sensor, when there is one. */
  temperature_c?: number;
}

const THERMAL_ROOT = '/sys/class/thermal';
const HWMON_ROOT = '/sys/class/hwmon';
/** hwmon drivers that read the CPU package (nearest the crystal on most boards), tried first. */
const PREFERRED_HWMON = ['coretemp', 'k10temp', 'zenpower', 'cpu_thermal', 'soc_thermal', 'acpitz'];

/** Reads the covariates now; cheap (a few syscalls), called once per NTP round. */
export function readCovariates(thermalRoot = THERMAL_ROOT, hwmonRoot = HWMON_ROOT): Covariates {
  const cpus = Math.max(1, os.cpus().length);
  const covariates: Covariates = {
    cpu_load: (os.loadavg()[0] ?? 0) / cpus,
    memory_used: 1 - os.freemem() / os.totalmem(),
  };
  const temperature = readTemperatureC(thermalRoot) ?? readHwmonC(hwmonRoot);
  if (temperature !== undefined) covariates.temperature_c = temperature;
  return covariates;
}

function readTemperatureC(root: string): number | undefined {
  try {
    const zone = fs.readdirSync(root).find((name) => name.startsWith('thermal_zone'));
    if (!zone) return undefined;
    return readMilliC(path.join(root, zone, 'temp'));
  } catch {
    return undefined; // no thermal zones (VMs, containers): the covariate is simply absent
  }
}

/**
 * A hwmon sensor, where the kernel exposes no thermal zone (many desktops and servers:
 * coretemp, k10temp): the CPU package's drivers first, then any, each its lowest
 * temp*_input. Sorted, so the same sensor is read every time.
 */
function readHwmonC(root: string): number | undefined {
  try {
    const chips = fs
      .readdirSync(root)
      .filter((d) => d.startsWith('hwmon'))
      .sort()
      .map((d) => ({ dir: path.join(root, d), name: readText(path.join(root, d, 'name')) ?? '' }));
    const rank = (name: string): number => {
      const i = PREFERRED_HWMON.indexOf(name);
      return i < 0 ? PREFERRED_HWMON.length : i;
    };
    for (const chip of chips.sort((a, b) => rank(a.name) - rank(b.name))) {
      const inputs = fs
        .readdirSync(chip.dir)
        .filter((f) => /^temp\d+_input$/.test(f))
        .sort((a, b) => parseInt(a.slice(4), 10) - parseInt(b.slice(4), 10));
      for (const input of inputs) {
        const c = readMilliC(path.join(chip.dir, input));
        if (c !== undefined) return c;
      }
    }
    return undefined;
  } catch {
    return undefined; // no hwmon class either: the covariate is absent
  }
}

/** A sysfs temperature in millidegrees, as °C; undefined when unreadable or not a number. */
function readMilliC(file: string): number | undefined {
  const text = readText(file);
  if (text === undefined || text === '') return undefined;
  const milliC = Number(text);
  return Number.isFinite(milliC) ? milliC / 1000 : undefined;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
