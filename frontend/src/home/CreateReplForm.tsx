import type { CreateReplRequest, Template } from '@cubicle/protocol';
import { useState } from 'react';

interface CreateReplFormProps {
  templates: Template[];
  onCreate(request: CreateReplRequest): Promise<void>;
}

/** Pick a template (or give a repository to import), name the repl (optional), create: the IDE opens on it. */
export function CreateReplForm({ templates, onCreate }: CreateReplFormProps) {
  const [template, setTemplate] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [repository, setRepository] = useState('');
  const [creating, setCreating] = useState(false);
  const importing = repository.trim() !== '';
  const chosen = template ?? templates[0]?.name ?? null;

  return (
    <form
      className="create-repl"
      aria-label="Create a repl"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!chosen && !importing) return;
        setCreating(true);
        const request: CreateReplRequest = importing ? { repository: repository.trim() } : { template: chosen ?? '' };
        if (name.trim()) request.name = name.trim();
        await onCreate(request);
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
        <p className="muted" role="status">
          Cloning {repository.trim()}: its files and history are copied into the new repl; a large repository takes a
          while.
        </p>
      )}
    </form>
  );
}
