import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Temp files live beside their target (same file system, so rename is atomic), named
 * `.cubicle-tmp-` and 12 random hex digits. Only that exact shape is treated as ours: a user's
 * `.cubicle-tmp-notes` is an ordinary file and syncs.
 */
const TEMP_FILE_NAME = /^\.cubicle-tmp-[0-9a-f]{12}$/;

export function isTempFileName(name: string): boolean {
  return TEMP_FILE_NAME.test(name);
}

/** A fresh temp path in the folder of `target`. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.cubicle-tmp-${randomBytes(6).toString('hex')}`);
}

/**
 * Replaces a file's content so that readers (and a crash) see either the old bytes or the new,
 * never a mix: write a sibling temp file, then rename it over the target. The target's mode
 * (e.g. an executable bit) is kept.
 */
export async function writeFileAtomic(target: string, data: Buffer, mode?: number): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await fs.writeFile(tmp, data, { flag: 'wx', mode: mode ?? 0o644 });
    if (mode !== undefined) await fs.chmod(tmp, mode); // writeFile's mode is filtered by the umask
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Creates a new file with its full content, failing with EEXIST if anything is at `target`. */
export async function createFileAtomic(target: string, data: Buffer): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await fs.writeFile(tmp, data, { flag: 'wx', mode: 0o644 });
    await fs.link(tmp, target); // link(2) fails atomically when the name exists
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
