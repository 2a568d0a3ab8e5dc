import type { AuditAction, AuditEvent, AuditQuery } from '@cubicle/protocol';
import type { Db } from './database.js';

interface Row {
  id: number;
  at: string;
  actor: string;
  action: AuditAction;
  repl_id: string;
  detail: string;
}

/** Who did what when, append only; kept after a repl is deleted. */
export class AuditLog {
  constructor(private readonly db: Db) {}

  /**
   * The event is filed under the repl's owner at this moment (or `owner`, for events about a
   * user and no repl), so each user reads the history of their own repls, even deleted ones.
   */
  record(
    actor: string,
    action: AuditAction,
    replId: string,
    detail: Record<string, unknown> = {},
    owner: string | null = null,
  ): void {
    this.db
      .prepare(
        `INSERT INTO audit (at, actor, action, repl_id, detail, owner)
         VALUES (?, ?, ?, ?, ?, COALESCE((SELECT owner FROM repls WHERE id = ?), ?))`,
      )
      .run(new Date().toISOString(), actor, action, replId, JSON.stringify(detail), replId, owner);
  }

  /** Newest first; `owner`: only that user's events (everyone's when undefined). */
  list(q: AuditQuery, owner?: string): AuditEvent[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (owner !== undefined) {
      where.push('owner = ?');
      args.push(owner);
    }
    if (q.replId !== undefined) {
      where.push('repl_id = ?');
      args.push(q.replId);
    }
    if (q.before !== undefined) {
      where.push('id < ?');
      args.push(q.before);
    }
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, q.limit) as Row[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      replId: r.repl_id,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }
}
