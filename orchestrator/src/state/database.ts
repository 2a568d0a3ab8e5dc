import path from 'node:path';
import Database from 'better-sqlite3';
import { ensurePrivateFile, prepareDataDir } from './data-dir.js';

export type Db = Database.Database;

/**
 * Schema versions, applied in order and recorded in `PRAGMA user_version`. Append only: a
 * released migration is never edited, so every existing DATA_DIR upgrades the same way.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE repls (
     id         TEXT PRIMARY KEY,
     name       TEXT NOT NULL,
     template   TEXT NOT NULL,
     state      TEXT NOT NULL,
     error      TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE audit (
     id      INTEGER PRIMARY KEY AUTOINCREMENT,
     at      TEXT NOT NULL,
     actor   TEXT NOT NULL,
     action  TEXT NOT NULL,
     repl_id TEXT NOT NULL,
     detail  TEXT NOT NULL
   );
   CREATE INDEX audit_by_repl ON audit (repl_id, id);`,
  // Runner-token signing keys (Ed25519, private JWK): one signs, one waits as next, retired ones
  // stay published until tokens signed with them have expired.
  `CREATE TABLE signing_keys (
     kid         TEXT PRIMARY KEY,
     private_jwk TEXT NOT NULL,
     public_jwk  TEXT NOT NULL,
     state       TEXT NOT NULL CHECK (state IN ('next', 'current', 'retired')),
     created_at  TEXT NOT NULL,
     retired_at  TEXT
   );`,
  // A repl's variables and secrets; `value` is sealed by SecretBox (never plain text on disk).
  `CREATE TABLE repl_env (
     repl_id    TEXT NOT NULL,
     name       TEXT NOT NULL,
     secret     INTEGER NOT NULL,
     value      TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (repl_id, name)
   );`,
  // Accounts (docs/security.md, "Users"): who owns a repl, who may see its previews, who is signed in.
  // Sessions, access tokens and preview grants store a SHA-256 of their secret, never the secret.
  `ALTER TABLE repls ADD COLUMN owner TEXT NOT NULL DEFAULT 'local';
   ALTER TABLE repls ADD COLUMN share TEXT NOT NULL DEFAULT 'private' CHECK (share IN ('private', 'public'));
   CREATE INDEX repls_by_owner ON repls (owner);
   ALTER TABLE audit ADD COLUMN owner TEXT;
   CREATE INDEX audit_by_owner ON audit (owner, id);
   CREATE TABLE users (
     id            TEXT PRIMARY KEY,
     subject       TEXT UNIQUE,
     email         TEXT,
     name          TEXT NOT NULL,
     picture       TEXT,
     admin         INTEGER NOT NULL DEFAULT 0,
     max_repls     INTEGER,
     max_running   INTEGER,
     created_at    TEXT NOT NULL,
     last_login_at TEXT
   );
   CREATE TABLE sessions (
     hash         TEXT PRIMARY KEY,
     user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     created_at   INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     expires_at   INTEGER NOT NULL
   );
   CREATE TABLE access_tokens (
     id           TEXT PRIMARY KEY,
     hash         TEXT NOT NULL UNIQUE,
     user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     name         TEXT NOT NULL,
     created_at   TEXT NOT NULL,
     expires_at   TEXT,
     last_used_at TEXT
   );
   CREATE TABLE preview_grants (
     hash         TEXT PRIMARY KEY,
     session_hash TEXT NOT NULL REFERENCES sessions (hash) ON DELETE CASCADE,
     repl_id      TEXT NOT NULL,
     host         TEXT NOT NULL,
     expires_at   INTEGER NOT NULL
   );`,
];

/** Opens (creating when needed) the orchestrator's database in DATA_DIR and migrates it. */
export function openDatabase(dataDir: string): Db {
  prepareDataDir(dataDir);
  const file = path.join(dataDir, 'orchestrator.db');
  ensurePrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL'); // readers never wait for the writer
  db.pragma('synchronous = NORMAL'); // WAL + NORMAL: durable across process crashes, fast
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON'); // a session's end takes its preview grants with it
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema v${current} is newer than this orchestrator (v${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}
