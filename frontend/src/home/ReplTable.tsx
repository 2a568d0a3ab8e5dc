import type { ReplRecord, Template } from '@cubicle/protocol';
import { timeAgo } from '../app/time';

interface ReplTableProps {
  repls: ReplRecord[];
  templates: Template[];
  busy: ReadonlySet<string>;
  onOpen(r: ReplRecord): void;
  onStop(r: ReplRecord): void;
  onDelete(r: ReplRecord): void;
}

export function ReplTable({ repls, templates, busy, onOpen, onStop, onDelete }: ReplTableProps) {
  const title = (name: string) => templates.find((t) => t.name === name)?.title ?? name;
  return (
    <table>
      <thead>
        <tr>
          <th>Name</th>
          <th>Template</th>
          <th>State</th>
          <th>Last used</th>
          <th>
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {repls.map((r) => (
          <tr key={r.id} data-repl={r.id}>
            <td>
              <a
                href={`/repl/${r.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  onOpen(r);
                }}
              >
                {r.name}
              </a>
            </td>
            <td>{title(r.template)}</td>
            <td>
              <span className={`state state-${r.state}`} title={r.error?.reason}>
                {r.state}
              </span>
            </td>
            <td title={new Date(r.updatedAt).toLocaleString()}>{timeAgo(r.updatedAt)}</td>
            <td className="repl-actions">
              <button type="button" onClick={() => onOpen(r)}>
                Open
              </button>
              {(r.state === 'running' || r.state === 'starting') && (
                <button type="button" disabled={busy.has(r.id)} onClick={() => onStop(r)}>
                  Stop
                </button>
              )}
              <button type="button" className="danger" disabled={busy.has(r.id)} onClick={() => onDelete(r)}>
                Delete
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
