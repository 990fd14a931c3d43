import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

/**
 * What the daemon learned, kept across restarts so that a restart is ready in seconds
 * rather than after a full warm-up: the recent measurements (never forecasts) with
 * their bounds, and the calibration of the forecasters' past predictions.
 */
export const SavedStateSchema = z.object({
  format: z.literal(1),
  /** Host-clock Unix seconds when the state was written. */
  saved_at: z.number(),
  measurements: z
    .array(
      z.object({
        t: z.number(),
        offset_s: z.number(),
        delay_s: z.number().nullable(),
        bound_s: z.number().nonnegative(),
        server: z.string(),
      }),
    )
    .max(100_000),
  /** The calibrator's record (scored predictions, path delays), opaque to the state file. */
  calibration: z.record(z.string(), z.unknown()).default({}),
});
export type SavedState = z.infer<typeof SavedStateSchema>;

export const STATE_FILE_NAME = 'state.json';

/** Why saved state was not used; each is logged and the daemon warms up from scratch. */
export type StateLoadResult =
  | { ok: true; state: SavedState; ageS: number }
  | { ok: false; reason: 'missing' | 'unreadable' | 'invalid' | 'too_old' | 'from_the_future'; detail: string };

/**
 * Writes state atomically: a temp file in the same directory, fsync, rename over the
 * old file, fsync the directory. A crash (even kill -9) at any point leaves either the
 * old file or the new one, never a torn mix.
 */
export async function saveState(dir: string, state: SavedState): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o750 });
  const target = path.join(dir, STATE_FILE_NAME);
  const temp = path.join(dir, `.${STATE_FILE_NAME}.${process.pid}.tmp`);
  const handle = await fs.promises.open(temp, 'w', 0o640);
  try {
    await handle.writeFile(JSON.stringify(state));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, target);
  const dirHandle = await fs.promises.open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/**
 * Removes temp files that a daemon killed mid-write (kill -9, power loss) left in the
 * state directory, those whose writer is no longer running. Returns the files removed.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const pattern = new RegExp(`^\\.${STATE_FILE_NAME.replace('.', '\\.')}\\.(\\d+)\\.tmp$`);
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!Number.isInteger(pid) || isRunning(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove: either way nothing to do.
    }
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads saved state, refusing what is unreadable, malformed, too old, or dated ahead of now. */
export function loadState(dir: string, nowS: number, maxAgeS: number): StateLoadResult {
  const file = path.join(dir, STATE_FILE_NAME);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: 'missing', detail: `no saved state at ${file}` };
    return { ok: false, reason: 'unreadable', detail: `${file}: ${code ?? String(err)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: 'invalid', detail: `${file}: not JSON (${(err as Error).message})` };
  }
  const parsed = SavedStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: 'invalid', detail: `${file}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}` };
  }
  const ageS = nowS - parsed.data.saved_at;
  if (ageS < -1) {
    return { ok: false, reason: 'from_the_future', detail: `${file} is dated ${(-ageS).toFixed(0)} s ahead of the host clock` };
  }
  if (ageS > maxAgeS) {
    return { ok: false, reason: 'too_old', detail: `${file} is ${ageS.toFixed(0)} s old (limit ${maxAgeS} s)` };
  }
  return { ok: true, state: parsed.data, ageS: Math.max(0, ageS) };
}
