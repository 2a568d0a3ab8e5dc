import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { forEachLimit, type ObjectStore } from '@cubicle/storage';
import { ApiError } from '../api-error.js';
import { IMPORT_MAX_BYTES, IMPORT_MAX_FILES, IMPORT_TIMEOUT_MS } from '../tuning.js';

/**
 * Clones a public repository and uploads its files, `.git` included (so its history, branches
 * and remote come along), as a repl's objects under `prefix`. The orchestrator does this, not
 * the sandbox (local sandboxes have no network): so git may speak http(s) and git only, never
 * read a local path (`file:`), never prompt, never fetch submodules; symlinks are not followed
 * (a repository's link to /etc/passwd uploads nothing), and size and count are bounded.
 */
export async function importRepository(url: string, store: ObjectStore, prefix: string): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cubicle-import-'));
  try {
    const checkout = path.join(dir, 'repo');
    await clone(url, checkout, dir);
    const files = await regularFiles(checkout);
    await forEachLimit(files, 8, async (f) => {
      const body = await fs.readFile(path.join(checkout, f.name));
      await store.put(prefix + f.name, body, body.length, { mode: f.mode });
    });
    return files.length;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function clone(url: string, into: string, home: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-c', 'protocol.file.allow=never', 'clone', '--quiet', '--no-recurse-submodules', '--', url, into],
      {
        timeout: IMPORT_TIMEOUT_MS,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home, // no one's git configuration but git's defaults
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_TERMINAL_PROMPT: '0',
          GIT_ALLOW_PROTOCOL: 'http:https:git',
        },
      },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(new ApiError('EUNAVAILABLE', 'importing needs git on the orchestrator'));
        }
        const said = stderr
          .trim()
          .split('\n')
          .filter((l) => /^(fatal|error):/.test(l));
        reject(new ApiError('EINVAL', `could not clone ${url}: ${said.join(' ') || err.message}`));
      },
    );
  });
}

async function regularFiles(root: string): Promise<{ name: string; mode: string }[]> {
  const out: { name: string; mode: string }[] = [];
  let bytes = 0;
  for (const rel of await fs.readdir(root, { recursive: true })) {
    const st = await fs.lstat(path.join(root, rel));
    if (!st.isFile()) continue; // folders, and symlinks (never followed)
    bytes += st.size;
    if (bytes > IMPORT_MAX_BYTES || out.length >= IMPORT_MAX_FILES) {
      throw new ApiError(
        'E2BIG',
        `the repository is larger than an import takes (${IMPORT_MAX_BYTES / 2 ** 20} MB, ${IMPORT_MAX_FILES} files)`,
      );
    }
    out.push({ name: rel.split(path.sep).join('/'), mode: (st.mode & 0o777).toString(8) });
  }
  return out;
}
