import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLog, type AuditEntry } from '../src/ops/audit-log';

function entry(i: number): AuditEntry {
  return {
    time: 1_800_000_000 + i,
    offset_s: 0.05 + i * 1e-6,
    uncertainty_s: 2e-5,
    drift_rate: 5e-5,
    source: 'ntp',
    clock_status: 'synchronized',
    servers: ['127.0.0.1:123'],
  };
}

describe('AuditLog', () => {
  test('writes one JSON object per line', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ct-audit-')), 'sub', 'audit.jsonl');
    const log = new AuditLog({
      file,
      maxBytes: 1_000_000,
      keep: 2,
      onError: (e) => {
        throw e;
      },
    });
    for (let i = 0; i < 5; i++) log.write(entry(i));
    await log.flush();
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    expect(lines.map((l) => l.time)).toEqual([0, 1, 2, 3, 4].map((i) => 1_800_000_000 + i));
  });

  test('rotates by size and keeps only `keep` old files, losing no line it kept', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-audit-'));
    const file = path.join(dir, 'audit.jsonl');
    const lineBytes = Buffer.byteLength(`${JSON.stringify(entry(0))}\n`);
    const log = new AuditLog({
      file,
      maxBytes: lineBytes * 10,
      keep: 2,
      onError: (e) => {
        throw e;
      },
    });
    for (let i = 0; i < 45; i++) log.write(entry(i));
    await log.flush();
    expect(fs.readdirSync(dir).sort()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
    for (const name of fs.readdirSync(dir)) {
      expect(fs.statSync(path.join(dir, name)).size).toBeLessThanOrEqual(lineBytes * 10);
    }
    const read = (name: string) =>
      fs
        .readFileSync(path.join(dir, name), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as AuditEntry).time - 1_800_000_000);
    // The newest lines survive as one unbroken run, in order, across the three files.
    const kept = [...read('audit.jsonl.2'), ...read('audit.jsonl.1'), ...read('audit.jsonl')];
    expect(kept[kept.length - 1]).toBe(44);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 45 - kept.length + i));
    expect(kept.length).toBeGreaterThanOrEqual(20);
  });

  test('a write that fails is reported, and later writes still happen', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-audit-'));
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const errors: Error[] = [];
    const log = new AuditLog({ file: path.join(blocker, 'audit.jsonl'), maxBytes: 1000, keep: 1, onError: (e) => errors.push(e) });
    log.write(entry(0));
    await log.flush();
    expect(errors).toHaveLength(1);
  });
});
