import { convertTime } from '../src/convert-time';
import { localTime, resolveZone } from '../src/timezone';

const JAN = Date.UTC(2026, 0, 15, 12) / 1000;
const JUL = Date.UTC(2026, 6, 15, 12) / 1000;

describe('time zones for the MCP tools', () => {
  test('daylight saving is read from the zone, north and south', () => {
    const ny = resolveZone('America/New_York');
    const sydney = resolveZone('Australia/Sydney');
    expect([ny.isDstAt(JAN), ny.isDstAt(JUL)]).toEqual([false, true]);
    expect([sydney.isDstAt(JAN), sydney.isDstAt(JUL)]).toEqual([true, false]);
    expect(localTime(JAN, sydney)).toMatchObject({ utc_offset: '+11:00', local_time: '2026-01-15T23:00:00.000000+11:00' });
    expect(localTime(JAN, resolveZone('Asia/Kathmandu')).utc_offset).toBe('+05:45');
  });

  test('abbreviations: unambiguous ones are fixed offsets with a note; ambiguous ones are refused', () => {
    expect(localTime(JAN, resolveZone('west'))).toMatchObject({ timezone: 'WEST', utc_offset: '+01:00', is_dst: true });
    expect(() => resolveZone('IST')).toThrow('unknown time zone "IST"');
  });

  test('convert_time reads an ISO instant with an offset as that instant', () => {
    const c = convertTime('2026-07-01T12:00:00Z', resolveZone('UTC'), resolveZone('Asia/Tokyo'), JAN);
    expect(c.target.local_time).toBe('2026-07-01T21:00:00.000000+09:00');
    expect(c.time_difference).toBe('+9.0h');
    expect(c.notes).toEqual([]);
  });
});
