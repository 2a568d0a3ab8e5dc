import type { CreateReplResponse, ReplRecord, Template } from '@cubicle/protocol';
import { useCallback, useEffect, useState } from 'react';
import { PageHeader } from '../account/PageHeader';
import { describeError } from '../api/error-messages';
import type { OrchestratorClient } from '../api/orchestrator-client';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { navigate } from '../app/router';
import { HOME_POLL_MS } from '../tuning';
import { CreateReplForm } from './CreateReplForm';
import { ReplTable } from './ReplTable';

/** The user's repls and a way to make a new one. */
export function HomePage({ api }: { api: OrchestratorClient }) {
  const [repls, setRepls] = useState<ReplRecord[] | null>(null);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<ReplRecord | null>(null);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  /** An import that left files out: named here before the IDE opens, so nothing goes missing unsaid. */
  const [leftOut, setLeftOut] = useState<CreateReplResponse | null>(null);

  const refresh = useCallback(async () => {
    try {
      setRepls(await api.list());
    } catch (err) {
      setError(describeError(err));
    }
  }, [api]);

  useEffect(() => {
    document.title = 'Cubicle';
    void refresh();
    api.templates().then(setTemplates, (err) => setError(describeError(err)));
  }, [api, refresh]);

  const transitioning = repls?.some((r) => r.state === 'starting' || r.state === 'stopping') ?? false;
  useEffect(() => {
    if (!transitioning) return;
    const timer = setInterval(() => void refresh(), HOME_POLL_MS);
    return () => clearInterval(timer);
  }, [transitioning, refresh]);

  const act = async (id: string, action: () => Promise<unknown>) => {
    setBusy((b) => new Set(b).add(id));
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy((b) => {
        const n = new Set(b);
        n.delete(id);
        return n;
      });
      await refresh();
    }
  };

  return (
    <main className="home">
      <PageHeader api={api} />
      {error && (
        <div className="banner error" role="alert">
          {error}
          <button type="button" className="link" onClick={() => setError(null)}>
            Dismiss
          </button>
        </div>
      )}
      {leftOut && <LeftOutNotice repl={leftOut} onOpen={() => navigate(`/repl/${leftOut.id}`)} />}
      <CreateReplForm
        api={api}
        templates={templates}
        onCreate={async (request) => {
          setError(null);
          try {
            const repl = await api.create(request);
            if (repl.skippedCount > 0) setLeftOut(repl);
            else navigate(`/repl/${repl.id}`);
          } catch (err) {
            setError(describeError(err));
          }
        }}
      />
      <section className="repl-list" aria-label="Your repls">
        <h2>Your repls</h2>
        {repls === null ? (
          <p className="muted">Loading…</p>
        ) : repls.length === 0 ? (
          <p className="muted">No repls yet: pick a template above to make your first one.</p>
        ) : (
          <ReplTable
            repls={repls}
            templates={templates}
            busy={busy}
            onOpen={(r) => navigate(`/repl/${r.id}`)}
            onStop={(r) => void act(r.id, () => api.stop(r.id))}
            onDelete={setDeleting}
          />
        )}
      </section>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          message="Its files are deleted from storage too. This cannot be undone."
          confirmLabel="Delete repl"
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            const r = deleting;
            setDeleting(null);
            void act(r.id, () => api.delete(r.id));
          }}
        />
      )}
    </main>
  );
}

/** What an import did not bring into the repl (links, names storage cannot hold), and the way on. */
function LeftOutNotice({ repl, onOpen }: { repl: CreateReplResponse; onOpen(): void }) {
  const more = repl.skippedCount - repl.skipped.length;
  return (
    <div className="banner" role="status" aria-label="Files left out of the import">
      <p>
        {repl.name} is imported, but {repl.skippedCount === 1 ? '1 file was' : `${repl.skippedCount} files were`} left
        out:
      </p>
      <ul>
        {repl.skipped.map((f) => (
          <li key={f.path}>
            <code>{f.path}</code> <span className="muted">— {f.reason}</span>
          </li>
        ))}
        {more > 0 && <li className="muted">and {more} more</li>}
      </ul>
      <button type="button" className="primary" onClick={onOpen}>
        Open {repl.name}
      </button>
    </div>
  );
}
