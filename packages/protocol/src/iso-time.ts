/**
 * Unix seconds as ISO 8601 UTC with microseconds (`2026-11-24T10:00:00.123456Z`), for
 * readers that want text. Rounded to the microsecond through an integer so the
 * fraction never shows binary noise.
 */
export function isoFromUnixSeconds(unixS: number): string {
  const totalUs = Math.round(unixS * 1e6);
  const wholeMs = Math.floor(totalUs / 1000);
  const extraUs = totalUs - wholeMs * 1000;
  return new Date(wholeMs).toISOString().replace('Z', `${String(extraUs).padStart(3, '0')}Z`);
}
