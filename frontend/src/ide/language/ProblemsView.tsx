import { CircleAlert, Info, TriangleAlert } from 'lucide-react';
import type { TextLocation } from '../editor/open-document';
import { type LanguageClients, sortedProblems } from './language-clients';
import { useLanguageRevision } from './use-language-clients';

const ICONS = { error: CircleAlert, warning: TriangleAlert, info: Info } as const;

/** Every diagnostic the language servers published, errors first; a click opens the file at it. */
export function ProblemsView({
  clients,
  onOpenAt,
}: {
  clients: LanguageClients;
  onOpenAt(path: string, at: TextLocation): void;
}) {
  useLanguageRevision(clients);
  const problems = sortedProblems(clients);
  if (problems.length === 0) {
    return <div className="problems-view empty muted">No problems found in the open files.</div>;
  }
  return (
    <ul className="problems-view" aria-label="Problems">
      {problems.map((p) => {
        const Icon = ICONS[p.severity];
        return (
          <li key={`${p.path}:${p.line}:${p.column}:${p.message}`}>
            <button
              type="button"
              className={`problem problem-${p.severity}`}
              onClick={() => onOpenAt(p.path, { line: p.line, column: p.column - 1, length: 0 })}
            >
              <Icon size={13} aria-label={p.severity} />
              <span className="problem-message">{p.message}</span>
              <span className="problem-where muted">
                {p.path}:{p.line}:{p.column}
                {p.source ? ` · ${p.source}` : ''}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** How many problems, for the tab's label. */
export function problemCount(clients: LanguageClients): number {
  let n = 0;
  for (const list of clients.problems.values()) n += list.length;
  return n;
}
