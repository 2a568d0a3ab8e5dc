import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * DATA_DIR holds the database, the token secret and (embedded) every repl's stored code: only
 * its owner may list or read it. 0711 rather than 0700 because each sandbox's user must pass
 * through to its own folder under sandboxes/ (which it cannot list either).
 */
export function prepareDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  fs.chmodSync(dir, 0o711);
}

/** Creates (or tightens) a file only the orchestrator may read; SQLite gives its -wal and -shm the same mode. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o600));
  fs.chmodSync(file, 0o600);
}

/** A folder only the orchestrator may enter (the embedded store's objects). */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/**
 * The embedded store's secret key, made once per data folder (0600): s3rver's own default is
 * public, and a store that a stray process could sign requests for would guard nothing.
 */
export function embeddedStoreSecret(dataDir: string): string {
  const file = path.join(dataDir, 's3.secret');
  try {
    fs.writeFileSync(file, randomBytes(24).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(file, 'utf8').trim();
}
