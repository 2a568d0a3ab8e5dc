import { newSecret, secretHash } from '../auth/secret-hash.js';
import { SESSION_TOUCH_MS } from '../tuning.js';
import type { Db } from './database.js';

export interface SessionLimits {
  /** A session ends this long after sign-in, however busy. */
  absoluteMs: number;
  /** …or after this long without a request. */
  idleMs: number;
}

export interface Session {
  hash: string;
  userId: string;
}

/** Signed-in browsers: the cookie holds a random secret, the database its hash (a stolen database opens nothing). */
export class SessionStore {
  constructor(
    private readonly db: Db,
    readonly limits: SessionLimits,
  ) {}

  /** Returns the cookie value. */
  create(userId: string): string {
    const secret = newSecret();
    const now = Date.now();
    this.db
      .prepare('INSERT INTO sessions (hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(secretHash(secret), userId, now, now, now + this.limits.absoluteMs);
    return secret;
  }

  /** The live session the secret opens, or null; counts this as activity for the idle expiry. */
  lookup(secret: string | undefined): Session | null {
    if (!secret) return null;
    return this.byHash(secretHash(secret));
  }

  byHash(hash: string): Session | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE hash = ?').get(hash) as
      | { hash: string; user_id: string; last_seen_at: number; expires_at: number }
      | undefined;
    if (!row) return null;
    const now = Date.now();
    if (now >= row.expires_at || now - row.last_seen_at >= this.limits.idleMs) {
      this.db.prepare('DELETE FROM sessions WHERE hash = ?').run(row.hash);
      return null;
    }
    if (now - row.last_seen_at >= SESSION_TOUCH_MS) {
      this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE hash = ?').run(now, row.hash);
    }
    return { hash: row.hash, userId: row.user_id };
  }

  end(secret: string | undefined): void {
    if (secret) this.db.prepare('DELETE FROM sessions WHERE hash = ?').run(secretHash(secret));
  }

  /** Drops sessions past either expiry (their preview grants go with them). */
  prune(): void {
    const now = Date.now();
    this.db
      .prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?')
      .run(now, now - this.limits.idleMs);
  }
}
