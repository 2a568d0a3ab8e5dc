import type { TextLocation } from '../editor/open-document';
import type { LanguageClients } from './language-clients';
import { useLanguageRevision } from './use-language-clients';

/** The last Shift+F12: every reference to a symbol, by file; a click opens the file there. */
export function ReferencesView({
  clients,
  onOpenAt,
}: {
  clients: LanguageClients;
  onOpenAt(path: string, at: TextLocation): void;
}) {
  useLanguageRevision(clients);
  const { references: list, referencesError: error } = clients;
  if (error)
    return (
      <div className="problems-view empty" role="alert">
        {error}
      </div>
    );
  if (!list) {
    return <div className="problems-view empty muted">Put the cursor on a name and press Shift+F12.</div>;
  }
  const count = list.references.length;
  return (
    <div className="problems-view">
      <div className="references-title muted" role="status">
        {count === 1 ? '1 reference' : `${count} references`} to <strong>{list.symbol}</strong>
      </div>
      <ul aria-label="References">
        {list.references.map((r) => (
          <li key={`${r.path}:${r.line}:${r.column}`}>
            <button
              type="button"
              className="problem reference"
              onClick={() => onOpenAt(r.path, { line: r.line, column: r.column, length: r.length })}
            >
              <span className="problem-message">{r.preview}</span>
              <span className="problem-where muted">
                {r.path}:{r.line}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
