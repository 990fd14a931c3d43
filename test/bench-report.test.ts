import { renderTable, statusOf, toJson } from './bench/report';
import type { Figure } from './bench/section';

const judged: Figure = {
  key: 'live_p95_error_us',
  label: 'p95 |error|',
  value: 50,
  unit: 'us',
  baseline: { label: 'chronyd', value: 100 },
  target: { on: 'ratio', op: '<=', limit: 1 },
};

describe('the bench report', () => {
  test('a figure whose baseline was not what it claims is INVALID, with its reason, and fails the run', () => {
    // The ratio (0.5×) would meet the target: an insane baseline must not pass for a win.
    const invalid: Figure = { ...judged, baseline: { label: 'chronyd', value: 56.7e6 }, invalid: 'chronyd never synchronized' };
    expect(statusOf(judged)).toBe('ok');
    expect(statusOf(invalid)).toBe('INVALID');
    const table = renderTable('bench', [{ id: 'chrony-live', title: 't', figures: [judged, invalid] }]);
    expect(table).toMatch(/INVALID: chronyd never synchronized/);
    expect(table).toMatch(/1 figure\(s\) MISSED their target or could not be judged/);
    const json = toJson({}, [{ id: 'chrony-live', title: 't', figures: [invalid] }]);
    expect(json['missed']).toEqual(['live_p95_error_us']);
  });
});
