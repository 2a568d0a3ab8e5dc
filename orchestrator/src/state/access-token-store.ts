import { randomBytes } from 'node:crypto';
import type { AccessTokenRecord } from '@cubicle/protocol';
import { newSecret, secretHash } from '../auth/secret-hash.js';
import { SESSION_TOUCH_MS } from '../tuning.js';
import type { Db } from './database.js';

interface Row {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const toRecord = (r: Row): AccessTokenRecord => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
});

/** Every personal access token starts so, which secret scanners (and people) recognise. */
export const ACCESS_TOKEN_PREFIX = 'cub_';

/** Personal access tokens for scripts: shown once, stored as a hash, revocable, optionally expiring. */
export class AccessTokenStore {
  constructor(private readonly db: Db) {}

  create(userId: string, name: string, expiresInDays?: number): { token: string; record: AccessTokenRecord } {
    const token = newSecret(ACCESS_TOKEN_PREFIX);
    const id = randomBytes(9).toString('base64url');
    const now = new Date();
    const expires = expiresInDays === undefined ? null : new Date(now.getTime() + expiresInDays * 86_400_000);
    this.db
      .prepare('INSERT INTO access_tokens (id, hash, user_id, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, secretHash(token), userId, name, now.toISOString(), expires?.toISOString() ?? null);
    return { token, record: toRecord(this.db.prepare('SELECT * FROM access_tokens WHERE id = ?').get(id) as Row) };
  }

  list(userId: string): AccessTokenRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM access_tokens WHERE user_id = ? ORDER BY created_at DESC, id')
      .all(userId) as Row[];
    return rows.map(toRecord);
  }

  /** False when the user has no such token (someone else's answers the same). */
  revoke(userId: string, id: string): boolean {
    return this.db.prepare('DELETE FROM access_tokens WHERE id = ? AND user_id = ?').run(id, userId).changes > 0;
  }

  /** The user a live token belongs to, or null; records when it was last used. */
  lookup(token: string): string | null {
    if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return null;
    const row = this.db.prepare('SELECT * FROM access_tokens WHERE hash = ?').get(secretHash(token)) as Row | undefined;
    if (!row) return null;
    const now = new Date();
    if (row.expires_at !== null && now >= new Date(row.expires_at)) return null;
    if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) >= SESSION_TOUCH_MS) {
      this.db.prepare('UPDATE access_tokens SET last_used_at = ? WHERE id = ?').run(now.toISOString(), row.id);
    }
    return row.user_id;
  }
}
