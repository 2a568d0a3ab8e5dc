import fs from 'node:fs/promises';
import path from 'node:path';
import { isTempFileName } from '../workspace/atomic-write.js';
import type { SyncIgnore } from './sync-ignore.js';

export interface LocalEntry {
  size: number;
  mtimeMs: number;
  mode: number;
}

/**
 * The syncable entries under `rel` (default: the whole workspace) keyed by name (directories end
 * in `/`). Ignored paths are not descended into; symlinks and our temp files are skipped (S3 has no
 * symlinks: they stay local).
 */
export async function scanWorkspace(root: string, ignore: SyncIgnore, rel = ''): Promise<Map<string, LocalEntry>> {
  const out = new Map<string, LocalEntry>();
  const walk = async (dirRel: string): Promise<void> => {
    let dirents: import('node:fs').Dirent[];
    try {
      dirents = await fs.readdir(path.join(root, dirRel), { withFileTypes: true });
    } catch {
      return; // vanished or unreadable while we walked: the watcher reports what happened
    }
    for (const d of dirents) {
      if (isTempFileName(d.name)) continue;
      const childRel = dirRel === '' ? d.name : `${dirRel}/${d.name}`;
      if (d.isDirectory()) {
        if (ignore.ignores(childRel, true)) continue;
        const st = await fs.lstat(path.join(root, childRel)).catch(() => null);
        if (!st) continue;
        out.set(`${childRel}/`, { size: 0, mtimeMs: 0, mode: st.mode & 0o7777 });
        await walk(childRel);
      } else if (d.isFile()) {
        if (ignore.ignores(childRel, false)) continue;
        const st = await fs.lstat(path.join(root, childRel)).catch(() => null);
        if (st?.isFile()) out.set(childRel, { size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777 });
      }
    }
  };
  await walk(rel);
  return out;
}
