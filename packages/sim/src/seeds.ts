import { SeededRandom } from '@chronotick/tsfm';

/**
 * An independent random stream per part of the world (the host clock, each server,
 * each path, the client's transmit randomiser), derived from one seed and a label.
 * Changing one part's draws (say a path's loss probability, or adding a server)
 * then leaves every other stream — the clock above all — exactly as it was.
 */
export function streamSeed(seed: number, label: string): number {
  // FNV-1a over the label, then mixed with the seed (a murmur3 finaliser), so labels
  // that differ in one character still start unrelated streams.
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= Math.imul(seed | 0, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A seeded generator for one labelled stream of the world. */
export function stream(seed: number, label: string): SeededRandom {
  return new SeededRandom(streamSeed(seed, label));
}
