import fs from 'node:fs';

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
