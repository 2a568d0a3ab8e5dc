import { useEffect, useRef, useSyncExternalStore } from 'react';
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

function useDocument(doc: OpenDocument): number {
  return useSyncExternalStore(
    (l) => doc.subscribe(l),
    () => doc.revision,
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
  useDocument(doc);
  const status = doc.doc?.status ?? 'clean';
  const unsaved = status !== 'clean';
  return (
    <div
      role="tab"
      aria-selected={active}
      tabIndex={0}
      className={`tab ${active ? 'active' : ''}`}
      data-path={doc.path}
      data-status={status}
      title={doc.path}
      onClick={onActivate}
      onKeyDown={(e) => e.key === 'Enter' && onActivate()}
      onAuxClick={(e) => e.button === 1 && onClose()}
    >
      <span className="tab-name">{baseName(doc.path)}</span>
      <button
        type="button"
        className={`tab-close ${unsaved ? 'unsaved' : ''}`}
        aria-label={unsaved ? `${baseName(doc.path)} has unsaved changes; close` : `Close ${baseName(doc.path)}`}
        onClick={(e) => {
          e.stopPropagation();
          onClose();
        }}
      >
        <span className="dot" aria-hidden>
          ●
        </span>
        <span className="x" aria-hidden>
          ✕
        </span>
      </button>
    </div>
  );
}

function DocumentPanel({ doc, visible }: { doc: OpenDocument; visible: boolean }) {
  useDocument(doc);
  const host = useRef<HTMLDivElement>(null);
  const { view } = doc;
  useEffect(() => {
    if (view.kind === 'text' && host.current) {
      doc.mount(host.current);
      if (visible) doc.focus();
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
