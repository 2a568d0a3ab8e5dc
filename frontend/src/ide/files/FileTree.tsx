import type { FileEntry } from '@cubicle/protocol';
import { FilePlus, FolderPlus, Upload } from 'lucide-react';
import { type DragEvent, type KeyboardEvent, useMemo, useRef, useState } from 'react';
import { ConfirmDialog } from '../../app/ConfirmDialog';
import { useReplSession } from '../repl-session';
import { visibleRows } from './file-tree-model';
import { NameInput } from './NameInput';
import { DRAG_TYPE, type DropHandlers, TreeRow } from './TreeRow';
import { handleTreeKey } from './tree-keys';
import { useFileTree } from './use-file-tree';
import { useTreeActions } from './use-tree-actions';
import { baseName, joinPath, parentOf } from './workspace-path';

interface FileTreeProps {
  activePath: string | null;
  onOpen(path: string, entry: FileEntry): void;
  /** A file or folder moved: open tabs follow it. */
  onMoved(from: string, to: string): void;
  onDeleted(path: string): void;
  /** Changed files by path, with their git letter (M, U, A, D): marked in the tree. */
  gitLetters?: Map<string, string>;
}

type Editing = { kind: 'rename'; path: string } | { kind: 'create'; dir: string; type: 'file' | 'dir' } | null;

/** The workspace's files: lazy folders, live updates, create/rename/delete, drag to move, drop to upload. */
export function FileTree({ activePath, onOpen, onMoved, onDeleted, gitLetters }: FileTreeProps) {
  const { connection } = useReplSession();
  const { tree, toggle } = useFileTree(connection);
  const rows = useMemo(() => visibleRows(tree), [tree]);
  const [focused, setFocused] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<FileEntry | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const uploadInput = useRef<HTMLInputElement>(null);
  const container = useRef<HTMLDivElement>(null);

  const focusedEntry = rows.find((r) => r.entry.path === focused)?.entry ?? null;
  /** New files go into the focused folder, or beside the focused file. */
  const targetDir = focusedEntry ? (focusedEntry.type === 'dir' ? focusedEntry.path : parentOf(focusedEntry.path)) : '';

  const { error, clearError, create, move, upload, remove } = useTreeActions({
    connection,
    toggle,
    setFocused,
    onOpen,
    onMoved,
    onDeleted,
  });
  const onKeyDown = (e: KeyboardEvent) => {
    if (editing) return;
    handleTreeKey(e, {
      rows,
      focused,
      expanded: tree.expanded,
      setFocused,
      toggle,
      open: (entry) => onOpen(entry.path, entry),
      rename: (path) => setEditing({ kind: 'rename', path }),
      askDelete: setDeleting,
    });
  };

  const dropProps = (dir: string): DropHandlers => ({
    onDragOver: (e: DragEvent) => {
      e.preventDefault();
      e.stopPropagation();
      e.dataTransfer.dropEffect = e.dataTransfer.types.includes(DRAG_TYPE) ? 'move' : 'copy';
      setDropTarget(dir);
    },
    onDragLeave: () => setDropTarget((t) => (t === dir ? null : t)),
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      e.stopPropagation();
      setDropTarget(null);
      const from = e.dataTransfer.getData(DRAG_TYPE);
      if (from) void move(from, joinPath(dir, baseName(from)));
      else if (e.dataTransfer.files.length) void upload(dir, e.dataTransfer.files);
    },
  });

  const createRow = (dir: string, depth: number) =>
    editing?.kind === 'create' && editing.dir === dir ? (
      <div className="tree-row editing" style={{ paddingLeft: 8 + depth * 14 }}>
        <span className="file-icon">{editing.type === 'dir' ? '▸' : '·'}</span>
        <NameInput
          label={editing.type === 'dir' ? 'New folder name' : 'New file name'}
          initial=""
          onCancel={() => setEditing(null)}
          onCommit={(name) => {
            setEditing(null);
            void create(dir, editing.type, name);
          }}
        />
      </div>
    ) : null;

  const startCreate = (type: 'file' | 'dir') => {
    if (targetDir) toggle(targetDir, true);
    setEditing({ kind: 'create', dir: targetDir, type });
  };

  return (
    <div className="file-tree-pane">
      <div className="pane-header">
        <span>Files</span>
        <div className="pane-actions">
          <button type="button" title="New file" aria-label="New file" onClick={() => startCreate('file')}>
            <FilePlus size={15} aria-hidden />
          </button>
          <button type="button" title="New folder" aria-label="New folder" onClick={() => startCreate('dir')}>
            <FolderPlus size={15} aria-hidden />
          </button>
          <button
            type="button"
            title="Upload files"
            aria-label="Upload files"
            onClick={() => uploadInput.current?.click()}
          >
            <Upload size={15} aria-hidden />
          </button>
          <input
            ref={uploadInput}
            type="file"
            multiple
            hidden
            onChange={(e) => {
              if (e.target.files) void upload(targetDir, e.target.files);
              e.target.value = '';
            }}
          />
        </div>
      </div>
      {error && (
        <div className="tree-error" role="alert">
          {error}
          <button type="button" className="link" onClick={clearError}>
            ✕
          </button>
        </div>
      )}
      <div
        ref={container}
        className={`file-tree ${dropTarget === '' ? 'drop-target' : ''}`}
        role="tree"
        aria-label="Files"
        tabIndex={0}
        onKeyDown={onKeyDown}
        {...dropProps('')}
      >
        {tree.dirs.get('')?.status === 'loading' && rows.length === 0 && (
          <div className="muted tree-note">Loading…</div>
        )}
        {tree.dirs.get('')?.status === 'error' && <div className="tree-note error">Could not list the files.</div>}
        {createRow('', 0)}
        {rows.map(({ entry, depth }) => {
          const isDir = entry.type === 'dir';
          const open = isDir && tree.expanded.has(entry.path);
          return (
            <div key={entry.path} role="none">
              <TreeRow
                entry={entry}
                depth={depth}
                open={open}
                focused={entry.path === focused}
                active={entry.path === activePath}
                dropTarget={dropTarget === entry.path}
                renaming={editing?.kind === 'rename' && editing.path === entry.path}
                gitLetter={gitLetters?.get(entry.path)}
                drop={isDir ? dropProps(entry.path) : dropProps(parentOf(entry.path))}
                onClick={() => {
                  setFocused(entry.path);
                  container.current?.focus();
                  if (isDir) toggle(entry.path);
                  else onOpen(entry.path, entry);
                }}
                onRename={() => setEditing({ kind: 'rename', path: entry.path })}
                onRenamed={(name) => {
                  setEditing(null);
                  if (name !== null) void move(entry.path, joinPath(parentOf(entry.path), name));
                }}
                onDelete={() => setDeleting(entry)}
              />
              {open && createRow(entry.path, depth + 1)}
              {open &&
                tree.dirs.get(entry.path)?.status === 'loading' &&
                !tree.dirs.get(entry.path)?.entries.length && (
                  <div className="muted tree-note" style={{ paddingLeft: 22 + depth * 14 }}>
                    Loading…
                  </div>
                )}
            </div>
          );
        })}
      </div>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          message={
            deleting.type === 'dir' ? 'The folder and everything in it will be deleted.' : 'The file will be deleted.'
          }
          confirmLabel="Delete"
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            const entry = deleting;
            setDeleting(null);
            void remove(entry);
          }}
        />
      )}
    </div>
  );
}
