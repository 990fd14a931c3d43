import { z } from 'zod';

/**
 * "Did you mean" for a misspelt configuration key. The known keys are read from the
 * schema itself, so a key added to the schema is suggested without a list to keep.
 */

/** The object schema under `schema`, seen through defaults, optionals and nullables. */
function objectOf(schema: z.ZodType): z.ZodObject | undefined {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodObject) return s;
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else return undefined;
  }
}

/** The keys an object at `path` may have ([] when the path is not an object). */
export function knownKeysAt(root: z.ZodType, path: readonly string[]): string[] {
  let obj = objectOf(root);
  for (const key of path) {
    const child = obj?.shape[key] as z.ZodType | undefined;
    obj = child === undefined ? undefined : objectOf(child);
  }
  return obj ? Object.keys(obj.shape) : [];
}

/** Every key path in the schema, dotted (`fusion.coverage`, `clock_measurement.ntp`, …). */
function allKeyPaths(root: z.ZodType, prefix: string[] = []): string[][] {
  const obj = objectOf(root);
  if (!obj) return [];
  return Object.entries(obj.shape).flatMap(([key, child]) => [[...prefix, key], ...allKeyPaths(child as z.ZodType, [...prefix, key])]);
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * What an unknown key at `path` most likely meant, as a dotted path: the nearest sibling
 * key within a third of its length in edits (at least 2), else the same key where it
 * belongs elsewhere in the schema (`coverage` at the top → `fusion.coverage`).
 */
export function suggestKey(root: z.ZodType, path: readonly string[], unknown: string): string | undefined {
  const wanted = unknown.toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const key of knownKeysAt(root, path)) {
    const distance = editDistance(wanted, key);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key, distance };
  }
  if (best) return [...path, best.key].join('.');
  const elsewhere = allKeyPaths(root).find((p) => p[p.length - 1] === wanted);
  return elsewhere?.join('.');
}
