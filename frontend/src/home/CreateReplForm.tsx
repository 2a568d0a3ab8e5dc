import type { CreateReplRequest, ImportProgress, Template } from '@cubicle/protocol';
import { useEffect, useState } from 'react';
import type { OrchestratorClient } from '../api/orchestrator-client';
import { IMPORT_PROGRESS_POLL_MS } from '../tuning';

interface CreateReplFormProps {
  api: OrchestratorClient;
  templates: Template[];
  onCreate(request: CreateReplRequest): Promise<void>;
}

/** Pick a template (or give a repository to import), name the repl (optional), create: the IDE opens on it. */
export function CreateReplForm({ api, templates, onCreate }: CreateReplFormProps) {
  const [template, setTemplate] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [repository, setRepository] = useState('');
  const [creating, setCreating] = useState(false);
  const importing = repository.trim() !== '';
  const [importId, setImportId] = useState<string | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);

  // While an import runs, ask how far it is (git's own phases, then the upload).
  useEffect(() => {
    if (!importId) return;
    const timer = setInterval(() => {
      api.importProgress(importId).then(setProgress, () => undefined);
    }, IMPORT_PROGRESS_POLL_MS);
    return () => clearInterval(timer);
  }, [api, importId]);
  const chosen = template ?? templates[0]?.name ?? null;

  return (
    <form
      className="create-repl"
      aria-label="Create a repl"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!chosen && !importing) return;
        setCreating(true);
        const id = `i${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
        const request: CreateReplRequest = importing
          ? { repository: repository.trim(), importId: id }
          : { template: chosen ?? '' };
        if (name.trim()) request.name = name.trim();
        if (importing) setImportId(id);
        await onCreate(request);
        setImportId(null);
        setProgress(null);
        setCreating(false);
      }}
    >
      <h2>Create a repl</h2>
      <fieldset className="template-cards">
        <legend className="visually-hidden">Template</legend>
        {templates.map((t) => (
          <label key={t.name} className={`template-card ${chosen === t.name ? 'selected' : ''}`}>
            <input
              type="radio"
              name="template"
              value={t.name}
              checked={chosen === t.name}
              onChange={() => setTemplate(t.name)}
            />
            <strong>{t.title}</strong>
            <span className="muted">{t.description}</span>
          </label>
        ))}
      </fieldset>
      <div className="create-row">
        <input
          aria-label="Import a Git repository"
          placeholder="…or import a public Git repository: https://github.com/owner/project.git"
          value={repository}
          onChange={(e) => setRepository(e.target.value)}
          spellCheck={false}
        />
      </div>
      <div className="create-row">
        <input
          aria-label="Repl name"
          placeholder="Name (optional)"
          maxLength={64}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" className="primary" disabled={(!chosen && !importing) || creating}>
          {creating ? (importing ? 'Cloning…' : 'Creating…') : importing ? 'Import repl' : 'Create repl'}
        </button>
      </div>
      {creating && importing && (
        <div className="import-progress" role="status">
          <span>
            {progress ? `${progress.phase}${progress.percent === null ? '…' : ` ${progress.percent}%`}` : 'Cloning…'}{' '}
            <span className="muted">{repository.trim()}</span>
          </span>
          <progress max={100} value={progress?.percent ?? undefined} aria-label="Import progress" />
        </div>
      )}
    </form>
  );
}
