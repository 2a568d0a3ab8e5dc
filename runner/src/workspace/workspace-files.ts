import fs from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isTempFileName } from './atomic-write.js';

/** Folders never listed, whatever the ignore files say: a repository's internals and dependencies. */
const ALWAYS_SKIPPED = new Set(['.git', 'node_modules']);

/** The workspace's root `.gitignore`, as a matcher (an unreadable or missing file ignores nothing more). */
export async function workspaceIgnore(root: string): Promise<Ignore> {
  const matcher = ignore();
  try {
    matcher.add(await fs.readFile(path.join(root, '.gitignore'), 'utf8'));
  } catch {
    // no .gitignore
  }
  return matcher;
}

/**
 * Every file of the workspace as workspace-relative paths, for quick open: breadth first (so a
 * cut list still has the top of the tree), skipping .git, node_modules and what .gitignore
 * ignores, symlinks not followed. At most `max` paths; `truncated` says more exist.
 */
export async function listWorkspaceFiles(root: string, max: number): Promise<{ paths: string[]; truncated: boolean }> {
  const ignored = await workspaceIgnore(root);
  const paths: string[] = [];
  let queue = [''];
  while (queue.length > 0) {
    const next: string[] = [];
    for (const dir of queue) {
      const entries = await fs.readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!ALWAYS_SKIPPED.has(e.name) && !ignored.ignores(`${rel}/`)) next.push(rel);
        } else if (e.isFile() && !isTempFileName(e.name) && !ignored.ignores(rel)) {
          if (paths.length === max) return { paths, truncated: true };
          paths.push(rel);
        }
      }
    }
    queue = next;
  }
  return { paths, truncated: false };
}
