import { isUtf8 } from 'node:buffer';
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { IMPORT_SKIPPED_LISTED, type ImportProgress, type ImportSkippedFile } from '@cubicle/protocol';
import { forEachLimit, isKeyTooLong, MAX_KEY_BYTES, type ObjectStore, StorageError } from '@cubicle/storage';
import { ApiError } from '../api-error.js';
import { IMPORT_MAX_BYTES, IMPORT_MAX_FILES, IMPORT_TIMEOUT_MS, IMPORT_UPLOAD_CONCURRENCY } from '../tuning.js';
import { parseGitProgress } from './import-progress.js';

/** What an import brought: the files uploaded, and those left out with the reason (the first few by path). */
export interface ImportResult {
  files: number;
  skipped: ImportSkippedFile[];
  skippedCount: number;
}

/** A regular file the walk found, with the identity (bigint: inode numbers can pass 2^53) its read must match. */
export interface WalkedFile {
  /** Repository-relative, `/`-separated, valid UTF-8. */
  name: string;
  mode: string;
  dev: bigint;
  ino: bigint;
}

export interface CloneTree {
  files: WalkedFile[];
  skipped: ImportSkippedFile[];
}

const SYMLINK = 'a symbolic link: an import never follows one, and storage holds files only';
const NOT_UTF8 = 'its name is not valid UTF-8, which storage cannot hold';
const NOT_UTF8_FOLDER = `${NOT_UTF8}: nothing in this folder was imported`;
const KEY_TOO_LONG = `its path is too long for storage (at most ${MAX_KEY_BYTES.toLocaleString('en')} bytes)`;

/**
 * Clones a public repository and uploads its files, `.git` included (so its history, branches
 * and remote come along), as a repl's objects under `prefix`. The orchestrator does this, not
 * the sandbox (local sandboxes have no network): so git may speak http(s) and git only, never
 * read a local path (`file:`), never prompt, never fetch submodules; no symlink is followed
 * anywhere in a path (see `walkClone`), and size and count are bounded. Files storage cannot
 * hold (links, names that are not UTF-8 or too long) are left out and named in the result.
 * Throws only ApiError or StorageError, whose messages never name the temporary folder.
 */
export async function importRepository(
  url: string,
  store: ObjectStore,
  prefix: string,
  onProgress: (p: Omit<ImportProgress, 'done'>) => void = () => {},
): Promise<ImportResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cubicle-import-'));
  try {
    const checkout = path.join(dir, 'repo');
    await clone(url, checkout, dir, onProgress);
    const tree = await walkClone(checkout);
    const skipped = [...tree.skipped];
    const storable = tree.files.filter((f) => {
      if (!isKeyTooLong(prefix + f.name)) return true;
      skipped.push({ path: f.name, reason: KEY_TOO_LONG });
      return false;
    });
    let uploaded = 0;
    let done = 0;
    onProgress({ phase: 'Uploading files', percent: 0 });
    await forEachLimit(storable, IMPORT_UPLOAD_CONCURRENCY, async (f) => {
      const body = await readWalkedFile(checkout, f);
      try {
        await store.put(prefix + f.name, body, body.length, { mode: f.mode });
        uploaded++;
      } catch (err) {
        const refused = refusedReason(err);
        if (refused === null) throw err;
        skipped.push({ path: f.name, reason: refused });
      }
      onProgress({ phase: 'Uploading files', percent: Math.floor((++done / storable.length) * 100) });
    });
    if (storable.length === 0) onProgress({ phase: 'Uploading files', percent: 100 });
    skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { files: uploaded, skipped: skipped.slice(0, IMPORT_SKIPPED_LISTED), skippedCount: skipped.length };
  } catch (err) {
    if (err instanceof ApiError || err instanceof StorageError) throw err;
    // Node's own errors name the path they failed on, which is the orchestrator's temporary folder.
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
    throw new ApiError('EINTERNAL', `the import failed while reading the clone (${code})`, { cause: err });
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
      // git names its destination in some errors ("could not create work tree dir '…'"): the caller sees the repository's name instead.
      const said = errors.trim().split(into).join('<repository>').split(home).join('<import folder>');
      const why = said || (signal ? `git was stopped (${signal}): the clone took too long` : `git exited ${code}`);
      reject(new ApiError('EINVAL', `could not clone ${url}: ${why}`));
    });
  });
}

/**
 * The clone's regular files, found without following a symlink anywhere in a path: each folder
 * is listed on its own (`withFileTypes`, whose types come from the directory entry or lstat,
 * never stat) and only real folders are entered. `fs.readdir({ recursive: true })` must not be
 * used here: on Node 20 it descends into links to folders, which uploaded the host's files.
 * Links, names that are not UTF-8 (a folder's whole content with it) and anything but files are
 * returned as skipped; every entry counts toward IMPORT_MAX_FILES.
 */
export async function walkClone(root: string): Promise<CloneTree> {
  const files: WalkedFile[] = [];
  const skipped: ImportSkippedFile[] = [];
  let bytes = 0;
  const folders = ['']; // repository-relative paths of real folders still to list
  for (let rel = folders.pop(); rel !== undefined; rel = folders.pop()) {
    // Buffer names: a name that is not UTF-8 would come back as U+FFFD, a path that names nothing.
    const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true, encoding: 'buffer' });
    for (const entry of entries) {
      if (files.length + skipped.length >= IMPORT_MAX_FILES) throw tooBig();
      if (!isUtf8(entry.name)) {
        skipped.push({
          path: joinPath(rel, printableName(entry.name)),
          reason: entry.isDirectory() ? NOT_UTF8_FOLDER : NOT_UTF8,
        });
        continue;
      }
      const name = joinPath(rel, entry.name.toString('utf8'));
      if (entry.isDirectory()) folders.push(name);
      else if (entry.isSymbolicLink()) skipped.push({ path: name, reason: SYMLINK });
      else if (entry.isFile()) {
        const st = await fs.lstat(path.join(root, name), { bigint: true });
        if (!st.isFile()) throw changed(name);
        bytes += Number(st.size);
        if (bytes > IMPORT_MAX_BYTES) throw tooBig();
        files.push({ name, mode: (Number(st.mode) & 0o777).toString(8), dev: st.dev, ino: st.ino });
      } else skipped.push({ path: name, reason: 'not a regular file' });
    }
  }
  return { files, skipped };
}

/**
 * A walked file's content, read only if the path still leads to the very inode the walk saw.
 * Nothing but the orchestrator and git (which has exited) writes in the clone's folder (mkdtemp,
 * 0700), so this guards against a path component swapped for a link after the walk, which only
 * a process of the orchestrator's own user could do: `O_NOFOLLOW` refuses a last component that
 * became a link, and the fstat of what was opened (a regular file, the walk's dev and inode)
 * refuses an earlier component that did (the path then reaches another inode).
 */
export async function readWalkedFile(root: string, file: WalkedFile): Promise<Buffer> {
  let fh: FileHandle;
  try {
    // O_NONBLOCK: a path that became a FIFO cannot hang the open (it is refused by the fstat below).
    fh = await fs.open(
      path.join(root, file.name),
      fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK,
    );
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR') throw changed(file.name, err);
    throw err;
  }
  try {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile() || st.dev !== file.dev || st.ino !== file.ino) throw changed(file.name);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/** Why storage refused one file for good (its name, say), in words; null for a failure of storage as a whole. */
function refusedReason(err: unknown): string | null {
  if (!(err instanceof StorageError) || err.kind !== 'client') return null;
  const name = err.cause instanceof Error ? err.cause.name : '';
  if (/KeyTooLong/i.test(name)) return 'its name is too long for this storage';
  return `storage refused it (${name || 'a client error'})`;
}

function tooBig(): ApiError {
  return new ApiError(
    'E2BIG',
    `the repository is larger than an import takes (${IMPORT_MAX_BYTES / 2 ** 20} MB, ${IMPORT_MAX_FILES} files)`,
  );
}

function changed(name: string, cause?: unknown): ApiError {
  return new ApiError('EINTERNAL', `the clone changed while it was being imported (at ${name}): nothing was kept`, {
    cause,
  });
}

function joinPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/** A name that is not UTF-8, for people: its valid characters as they are, other bytes (and `\`) escaped. */
export function printableName(raw: Buffer): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const b = raw.readUInt8(i);
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= raw.length && isUtf8(raw.subarray(i, i + len))) {
      const ch = raw.toString('utf8', i, i + len);
      out += ch === '\\' ? '\\\\' : ch;
      i += len;
    } else {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}
