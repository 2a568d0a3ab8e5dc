import type { ReplError, ReplState, ShareLevel } from '@cubicle/protocol';
import type { Db } from './database.js';

export interface ReplRow {
  id: string;
  name: string;
  template: string;
  state: ReplState;
  error: ReplError | null;
  createdAt: string;
  updatedAt: string;
  owner: string;
  share: ShareLevel;
}

interface Row {
  id: string;
  name: string;
  template: string;
  state: ReplState;
  error: string | null;
  created_at: string;
  updated_at: string;
  owner: string;
  share: ShareLevel;
}

const fromRow = (r: Row): ReplRow => ({
  id: r.id,
  name: r.name,
  template: r.template,
  state: r.state,
  error: r.error ? (JSON.parse(r.error) as ReplError) : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  owner: r.owner,
  share: r.share,
});

/** Repl records in SQLite: what exists and which state each is in. */
export class ReplStore {
  constructor(private readonly db: Db) {}

  insert(r: { id: string; name: string; template: string; owner: string }): ReplRow {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO repls (id, name, template, state, error, created_at, updated_at, owner)
         VALUES (?, ?, ?, 'stopped', NULL, ?, ?, ?)`,
      )
      .run(r.id, r.name, r.template, now, now, r.owner);
    return this.require(r.id);
  }

  get(id: string): ReplRow | undefined {
    const row = this.db.prepare('SELECT * FROM repls WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Newest first; one owner's, or every repl. */
  list(owner?: string): ReplRow[] {
    const rows =
      owner === undefined
        ? this.db.prepare('SELECT * FROM repls ORDER BY created_at DESC, id').all()
        : this.db.prepare('SELECT * FROM repls WHERE owner = ? ORDER BY created_at DESC, id').all(owner);
    return (rows as Row[]).map(fromRow);
  }

  /** How many repls an owner has, and how many of them hold a sandbox (starting or running). */
  usage(owner: string): { repls: number; running: number } {
    return this.db
      .prepare(
        `SELECT COUNT(*) AS repls, COALESCE(SUM(state IN ('starting', 'running')), 0) AS running
         FROM repls WHERE owner = ?`,
      )
      .get(owner) as { repls: number; running: number };
  }

  setShare(id: string, share: ShareLevel): ReplRow {
    this.db.prepare('UPDATE repls SET share = ?, updated_at = ? WHERE id = ?').run(share, new Date().toISOString(), id);
    return this.require(id);
  }

  countByState(): Record<ReplState, number> {
    const counts: Record<ReplState, number> = { stopped: 0, starting: 0, running: 0, stopping: 0, error: 0 };
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM repls GROUP BY state').all() as {
      state: ReplState;
      n: number;
    }[];
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  setState(id: string, state: ReplState, error: ReplError | null = null): ReplRow {
    this.db
      .prepare('UPDATE repls SET state = ?, error = ?, updated_at = ? WHERE id = ?')
      .run(state, error ? JSON.stringify(error) : null, new Date().toISOString(), id);
    return this.require(id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM repls WHERE id = ?').run(id);
  }

  private require(id: string): ReplRow {
    const row = this.get(id);
    if (!row) throw new Error(`repl ${id} vanished from the database`);
    return row;
  }
}
