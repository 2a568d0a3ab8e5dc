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

  record(actor: string, action: AuditAction, replId: string, detail: Record<string, unknown> = {}): void {
    this.db
      .prepare('INSERT INTO audit (at, actor, action, repl_id, detail) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), actor, action, replId, JSON.stringify(detail));
  }

  /** Newest first. */
  list(q: AuditQuery): AuditEvent[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
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
