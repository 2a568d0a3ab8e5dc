import type { ReplError, ReplState } from '@cubicle/protocol';
import type { Db } from './database.js';

export interface ReplRow {
  id: string;
  name: string;
  template: string;
  state: ReplState;
  error: ReplError | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  name: string;
  template: string;
  state: ReplState;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): ReplRow => ({
  id: r.id,
  name: r.name,
  template: r.template,
  state: r.state,
  error: r.error ? (JSON.parse(r.error) as ReplError) : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Repl records in SQLite: what exists and which state each is in. */
export class ReplStore {
  constructor(private readonly db: Db) {}

  insert(r: { id: string; name: string; template: string }): ReplRow {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO repls (id, name, template, state, error, created_at, updated_at)
         VALUES (?, ?, ?, 'stopped', NULL, ?, ?)`,
      )
      .run(r.id, r.name, r.template, now, now);
    return this.require(r.id);
  }

  get(id: string): ReplRow | undefined {
    const row = this.db.prepare('SELECT * FROM repls WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  list(): ReplRow[] {
    return (this.db.prepare('SELECT * FROM repls ORDER BY created_at DESC, id').all() as Row[]).map(fromRow);
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
