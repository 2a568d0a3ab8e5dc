import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';

export interface UserRow {
  id: string;
  /** `<issuer>#<sub>` for a user who signs in; null for the built-in users. */
  subject: string | null;
  email: string | null;
  name: string;
  picture: string | null;
  admin: boolean;
  maxRepls: number | null;
  maxRunning: number | null;
  createdAt: string;
  lastLoginAt: string | null;
}

interface Row {
  id: string;
  subject: string | null;
  email: string | null;
  name: string;
  picture: string | null;
  admin: number;
  max_repls: number | null;
  max_running: number | null;
  created_at: string;
  last_login_at: string | null;
}

const fromRow = (r: Row): UserRow => ({
  id: r.id,
  subject: r.subject,
  email: r.email,
  name: r.name,
  picture: r.picture,
  admin: r.admin === 1,
  maxRepls: r.max_repls,
  maxRunning: r.max_running,
  createdAt: r.created_at,
  lastLoginAt: r.last_login_at,
});

export interface SignInClaims {
  subject: string;
  email: string | null;
  name: string;
  picture: string | null;
  admin: boolean;
}

/** The people (and built-in principals) that own repls. */
export class UserStore {
  constructor(private readonly db: Db) {}

  /** A user that needs no sign-in: `local` (AUTH=none) and `api-token` (ORCHESTRATOR_TOKEN). */
  ensureBuiltin(id: string, name: string): UserRow {
    this.db
      .prepare('INSERT OR IGNORE INTO users (id, subject, name, admin, created_at) VALUES (?, NULL, ?, 1, ?)')
      .run(id, name, new Date().toISOString());
    return this.require(id);
  }

  /** After a sign-in: the provider's claims are the truth for name, email, avatar and the admin role. */
  signedIn(claims: SignInClaims): UserRow {
    const now = new Date().toISOString();
    const existing = this.db.prepare('SELECT id FROM users WHERE subject = ?').get(claims.subject) as
      | { id: string }
      | undefined;
    const id = existing?.id ?? `u${randomBytes(8).toString('hex')}`;
    this.db
      .prepare(
        `INSERT INTO users (id, subject, email, name, picture, admin, created_at, last_login_at)
         VALUES (@id, @subject, @email, @name, @picture, @admin, @now, @now)
         ON CONFLICT (id) DO UPDATE SET email = @email, name = @name, picture = @picture, admin = @admin,
           last_login_at = @now`,
      )
      .run({ ...claims, id, admin: claims.admin ? 1 : 0, now });
    return this.require(id);
  }

  get(id: string): UserRow | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  list(): UserRow[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY created_at, id').all() as Row[]).map(fromRow);
  }

  setQuota(id: string, maxRepls: number | null, maxRunning: number | null): UserRow | undefined {
    this.db.prepare('UPDATE users SET max_repls = ?, max_running = ? WHERE id = ?').run(maxRepls, maxRunning, id);
    return this.get(id);
  }

  private require(id: string): UserRow {
    const row = this.get(id);
    if (!row) throw new Error(`user ${id} vanished from the database`);
    return row;
  }
}
