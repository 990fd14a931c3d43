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
    expect(readCovariates('/nonexistent/thermal')).not.toHaveProperty('temperature_c');
  });
});
