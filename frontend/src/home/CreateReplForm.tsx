import type { CreateReplRequest, Template } from '@cubicle/protocol';
import { useState } from 'react';

interface CreateReplFormProps {
  templates: Template[];
  onCreate(request: CreateReplRequest): Promise<void>;
}

/** Pick a template, name the repl (optional), create: the IDE opens on it. */
export function CreateReplForm({ templates, onCreate }: CreateReplFormProps) {
  const [template, setTemplate] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [creating, setCreating] = useState(false);
  const chosen = template ?? templates[0]?.name ?? null;

  return (
    <form
      className="create-repl"
      aria-label="Create a repl"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!chosen) return;
        setCreating(true);
        const request: CreateReplRequest = { template: chosen };
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
          aria-label="Repl name"
          placeholder="Name (optional)"
          maxLength={64}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" className="primary" disabled={!chosen || creating}>
          {creating ? 'Creating…' : 'Create repl'}
        </button>
      </div>
    </form>
  );
}
