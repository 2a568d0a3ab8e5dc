import { ENV_MAX_TOTAL_BYTES, ENV_MAX_VARIABLES, type EnvVariable } from '@cubicle/protocol';
import { ApiError } from '../api-error.js';
import type { SecretBox } from '../auth/secret-box.js';
import type { Db } from './database.js';

interface Row {
  name: string;
  secret: number;
  value: string;
  updated_at: string;
}

/**
 * A repl's variables and secrets in SQLite, every value sealed (plain variables too: one rule,
 * nothing to get wrong). Secrets are only ever opened to hand them to the repl's runner.
 */
export class EnvironmentStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** Names, kinds and plain values; a secret's value is null. */
  list(replId: string): EnvVariable[] {
    return this.rows(replId).map((r) => ({
      name: r.name,
      secret: r.secret === 1,
      value: r.secret === 1 ? null : this.box.open(r.value, place(replId, r.name)),
      updatedAt: r.updated_at,
    }));
  }

  /** Every name with its value, secrets included: for the runner only. */
  values(replId: string): Record<string, string> {
    return Object.fromEntries(this.rows(replId).map((r) => [r.name, this.box.open(r.value, place(replId, r.name))]));
  }

  set(replId: string, name: string, value: string, secret: boolean): void {
    const others = this.values(replId);
    delete others[name];
    if (Object.keys(others).length >= ENV_MAX_VARIABLES) {
      throw new ApiError('E2BIG', `a repl has at most ${ENV_MAX_VARIABLES} variables`);
    }
    const bytes = Object.entries({ ...others, [name]: value }).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 2,
      0,
    );
    if (bytes > ENV_MAX_TOTAL_BYTES) {
      throw new ApiError('E2BIG', `a repl's variables take at most ${ENV_MAX_TOTAL_BYTES / 1024} KB together`);
    }
    this.db
      .prepare(
        `INSERT INTO repl_env (repl_id, name, secret, value, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (repl_id, name) DO UPDATE SET secret = excluded.secret, value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(replId, name, secret ? 1 : 0, this.box.seal(value, place(replId, name)), new Date().toISOString());
  }

  delete(replId: string, name: string): boolean {
    return this.db.prepare('DELETE FROM repl_env WHERE repl_id = ? AND name = ?').run(replId, name).changes > 0;
  }

  deleteAll(replId: string): void {
    this.db.prepare('DELETE FROM repl_env WHERE repl_id = ?').run(replId);
  }

  private rows(replId: string): Row[] {
    return this.db
      .prepare('SELECT name, secret, value, updated_at FROM repl_env WHERE repl_id = ? ORDER BY name')
      .all(replId) as Row[];
  }
}

const place = (replId: string, name: string) => `${replId}/${name}`;
