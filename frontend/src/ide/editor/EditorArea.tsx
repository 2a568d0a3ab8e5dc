import { useEffect, useRef } from 'react';
import { PaneTab } from '../../app/PaneTab';
import { useRevision } from '../../app/use-revision';
import { baseName } from '../files/workspace-path';
import type { OpenDocument } from './open-document';

interface EditorAreaProps {
  docs: OpenDocument[];
  active: string | null;
  onActivate(path: string): void;
  onClose(path: string): void;
}

/** Editor tabs with dirty markers, and the active file's editor (or its message). */
export function EditorArea({ docs, active, onActivate, onClose }: EditorAreaProps) {
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
          <DocumentPanel key={doc.path} doc={doc} visible={doc.path === active} />
        ))}
      </div>
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

function DocumentPanel({ doc, visible }: { doc: OpenDocument; visible: boolean }) {
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
      {state?.error && (
        <div className="banner error" role="alert">
          Not saved: {state.error}
        </div>
      )}
      {view.kind === 'loading' && <div className="muted editor-message">Opening…</div>}
      {view.kind === 'message' && <div className="editor-message">{view.message}</div>}
      <div ref={host} className="code-host" hidden={view.kind !== 'text'} />
    </div>
  );
}
