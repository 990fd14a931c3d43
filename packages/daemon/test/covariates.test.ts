import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCovariates } from '../src/clock/covariates';

describe('system covariates', () => {
  test('load and memory always; temperature from the first thermal zone when there is one', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-thermal-'));
    fs.mkdirSync(path.join(root, 'thermal_zone0'));
    fs.writeFileSync(path.join(root, 'thermal_zone0', 'temp'), '47500\n');
    const c = readCovariates(root);
    expect(c.cpu_load).toBeGreaterThanOrEqual(0);
    expect(c.memory_used).toBeGreaterThan(0);
    expect(c.memory_used).toBeLessThan(1);
    expect(c.temperature_c).toBe(47.5);
  });

  test('no thermal zones (a VM): the temperature is absent, not zero', () => {
    expect(readCovariates('/nonexistent/thermal', '/nonexistent/hwmon')).not.toHaveProperty('temperature_c');
  });

  test('without a thermal zone, a hwmon sensor: the CPU package driver first, its lowest temp input', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-hwmon-'));
    const chip = (dir: string, name: string, temps: Record<string, string>): void => {
      fs.mkdirSync(path.join(root, dir));
      fs.writeFileSync(path.join(root, dir, 'name'), `${name}\n`);
      for (const [file, value] of Object.entries(temps)) fs.writeFileSync(path.join(root, dir, file), value);
    };
    chip('hwmon0', 'nvme', { temp1_input: '38850\n' });
    chip('hwmon1', 'coretemp', { temp2_input: '51000\n', temp10_input: '60000\n', temp1_label: 'Package id 0\n' });
    expect(readCovariates('/nonexistent/thermal', root).temperature_c).toBe(51);
    // Only an unreadable preferred sensor: the next chip's.
    fs.writeFileSync(path.join(root, 'hwmon1', 'temp2_input'), 'N/A');
    fs.rmSync(path.join(root, 'hwmon1', 'temp10_input'));
    expect(readCovariates('/nonexistent/thermal', root).temperature_c).toBe(38.85);
  });
});
