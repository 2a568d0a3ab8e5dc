import { unifiedMergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import type { GitDiff } from '@cubicle/protocol';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import { useModalDialog } from '../../app/use-modal-dialog';
import { editorSettings } from '../editor/editor-settings';
import { ideSettings } from '../settings/ide-settings';

/** A file's changes since the last commit, in a read-only editor with the removed lines inline. */
export function DiffDialog({ diff, onClose }: { diff: GitDiff; onClose(): void }) {
  const dialog = useModalDialog();
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: diff.current ?? '',
        extensions: [
          editorSettings({ ...ideSettings.current, keymap: 'standard' }),
          basicSetup,
          EditorState.readOnly.of(true),
          unifiedMergeView({ original: diff.head ?? '', mergeControls: false }),
        ],
      }),
    });
    return () => view.destroy();
  }, [diff]);
  return (
    <dialog ref={dialog} className="confirm-dialog diff-dialog" onCancel={onClose} aria-labelledby="diff-title">
      <h2 id="diff-title">
        {diff.path} <span className="muted">last commit ↔ now</span>
      </h2>
      {diff.head === null && <p className="muted">New file: not in the last commit.</p>}
      {diff.current === null && <p className="muted">Deleted: only in the last commit.</p>}
      <div ref={host} className="diff-host" />
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
