import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ImportProgress } from '@cubicle/protocol';
import { forEachLimit, type ObjectStore } from '@cubicle/storage';
import { ApiError } from '../api-error.js';
import { IMPORT_MAX_BYTES, IMPORT_MAX_FILES, IMPORT_TIMEOUT_MS } from '../tuning.js';
import { parseGitProgress } from './import-progress.js';

/**
 * Clones a public repository and uploads its files, `.git` included (so its history, branches
 * and remote come along), as a repl's objects under `prefix`. The orchestrator does this, not
 * the sandbox (local sandboxes have no network): so git may speak http(s) and git only, never
 * read a local path (`file:`), never prompt, never fetch submodules; symlinks are not followed
 * (a repository's link to /etc/passwd uploads nothing), and size and count are bounded.
 */
export async function importRepository(
  url: string,
  store: ObjectStore,
  prefix: string,
  onProgress: (p: Omit<ImportProgress, 'done'>) => void = () => {},
): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cubicle-import-'));
  try {
    const checkout = path.join(dir, 'repo');
    await clone(url, checkout, dir, onProgress);
    const files = await regularFiles(checkout);
    let uploaded = 0;
    onProgress({ phase: 'Uploading files', percent: 0 });
    await forEachLimit(files, 8, async (f) => {
      const body = await fs.readFile(path.join(checkout, f.name));
      await store.put(prefix + f.name, body, body.length, { mode: f.mode });
      onProgress({ phase: 'Uploading files', percent: Math.floor((++uploaded / files.length) * 100) });
    });
    return files.length;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function clone(
  url: string,
  into: string,
  home: string,
  onProgress: (p: Omit<ImportProgress, 'done'>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const git = spawn(
      'git',
      ['-c', 'protocol.file.allow=never', 'clone', '--progress', '--no-recurse-submodules', '--', url, into],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: IMPORT_TIMEOUT_MS,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home, // no one's git configuration but git's defaults
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_TERMINAL_PROMPT: '0',
          GIT_ALLOW_PROTOCOL: 'http:https:git',
        },
      },
    );
    let errors = '';
    let partial = '';
    git.stderr.on('data', (chunk: Buffer) => {
      // Progress comes as lines ended by \r (redrawn in place) or \n.
      const lines = (partial + chunk.toString()).split(/[\r\n]/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const progress = parseGitProgress(line);
        if (progress) onProgress(progress);
        else if (/^(fatal|error):/.test(line) && errors.length < 2000) errors += `${line} `;
      }
    });
    git.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new ApiError('EUNAVAILABLE', 'importing needs git on the orchestrator') : err),
    );
    git.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const why =
        errors.trim() || (signal ? `git was stopped (${signal}): the clone took too long` : `git exited ${code}`);
      reject(new ApiError('EINVAL', `could not clone ${url}: ${why}`));
    });
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
