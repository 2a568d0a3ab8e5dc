import { useEffect, useRef } from 'react';
import { ConfirmDialog } from '../../app/ConfirmDialog';
import { PaneTab } from '../../app/PaneTab';
import { useRevision } from '../../app/use-revision';
import { baseName } from '../files/workspace-path';
import type { OpenDocument } from './open-document';

interface EditorAreaProps {
  docs: OpenDocument[];
  active: string | null;
  /** A tab whose unsaved text could not be saved, waiting for the person's word before it closes. */
  closing: OpenDocument | null;
  onActivate(path: string): void;
  /** Saves, then closes (or asks through `closing`). */
  onClose(path: string): void;
  /** Closes without saving: the person chose to drop the text. */
  onDiscard(path: string): void;
  onConfirmClose(discard: boolean): void;
}

/** Editor tabs with dirty markers, and the active file's editor (or its message). */
export function EditorArea({ docs, active, closing, onActivate, onClose, onDiscard, onConfirmClose }: EditorAreaProps) {
  return (
    <div className="editor-area">
      <div className="tabs" role="tablist" aria-label="Open files">
        {docs.map((doc) => (
          <EditorTab
            key={doc.path}
            doc={doc}
            active={doc.path === active}
            onActivate={() => onActivate(doc.path)}
            onClose={() => onClose(doc.path)}
          />
        ))}
      </div>
      <div className="editor-body">
        {docs.length === 0 && <div className="empty-editor muted">Open a file from the tree to edit it.</div>}
        {docs.map((doc) => (
          <DocumentPanel key={doc.path} doc={doc} visible={doc.path === active} onDiscard={() => onDiscard(doc.path)} />
        ))}
      </div>
      {closing && (
        <ConfirmDialog
          title="Close without saving?"
          message={closingWords(closing)}
          confirmLabel="Close without saving"
          onConfirm={() => onConfirmClose(true)}
          onCancel={() => onConfirmClose(false)}
        />
      )}
    </div>
  );
}

function EditorTab({
  doc,
  active,
  onActivate,
  onClose,
}: {
  doc: OpenDocument;
  active: boolean;
  onActivate(): void;
  onClose(): void;
}) {
  useRevision(doc);
  const status = doc.doc?.status ?? 'clean';
  return (
    <PaneTab
      label={baseName(doc.path)}
      title={doc.path}
      active={active}
      unsaved={status !== 'clean'}
      data={{ 'data-path': doc.path, 'data-status': status }}
      onActivate={onActivate}
      onClose={onClose}
    />
  );
}

function DocumentPanel({ doc, visible, onDiscard }: { doc: OpenDocument; visible: boolean; onDiscard(): void }) {
  useRevision(doc);
  const host = useRef<HTMLDivElement>(null);
  const { view } = doc;
  const focusWhenShown = useRef<Element | null>(null);
  useEffect(() => {
    if (visible) focusWhenShown.current = document.activeElement;
  }, [visible]);
  useEffect(() => {
    if (view.kind === 'text' && host.current) {
      doc.mount(host.current);
      // A slow load must not take focus the user has since moved (to a rename box, the terminal…).
      const focusUnmoved =
        document.activeElement === focusWhenShown.current || document.activeElement === document.body;
      if (visible && focusUnmoved) doc.focus();
    }
  }, [doc, view.kind, visible]);
  const state = doc.doc;
  return (
    <div className="document" hidden={!visible} role="tabpanel" data-path={doc.path}>
      {state?.status === 'conflict' && (
        <div className="banner warning" role="alert">
          This file changed on disk while you were editing it.
          <button type="button" onClick={() => doc.keepMine()}>
            Keep my version
          </button>
          <button type="button" onClick={() => void doc.takeDisk()}>
            Load the version on disk
          </button>
        </div>
      )}
      {state?.status === 'deleted' && (
        <div className="banner warning" role="alert">
          {baseName(doc.path)} was deleted on disk; this tab holds the only copy of its text.
          <button type="button" onClick={() => void doc.save()}>
            Save it here again
          </button>
          <button type="button" onClick={onDiscard}>
            Close without saving
          </button>
        </div>
      )}
      {state?.error && (
        <div className="banner error" role="alert">
          Not saved: {state.error}
        </div>
      )}
      {doc.notice && (
        <div className="banner warning" role="alert">
          {doc.notice}
        </div>
      )}
      {view.kind === 'loading' && <div className="muted editor-message">Opening…</div>}
      {view.kind === 'message' && <div className="editor-message">{view.message}</div>}
      <div ref={host} className="code-host" hidden={view.kind !== 'text'} />
    </div>
  );
}

function closingWords({ path, doc }: OpenDocument): string {
  if (doc?.status === 'deleted') return `${path} was deleted on disk: closing its tab drops the only copy of its text.`;
  if (doc?.status === 'conflict') return `${path} changed on disk: closing its tab drops your version of it.`;
  if (doc?.error) return `${path} has changes that could not be saved (${doc.error}): closing its tab drops them.`;
  return `${path} has unsaved changes: closing its tab drops them.`;
}
