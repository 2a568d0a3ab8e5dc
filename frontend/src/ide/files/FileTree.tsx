import type { FileEntry } from '@cubicle/protocol';
import { ChevronDown, ChevronRight, FilePlus, FolderPlus, Pencil, Trash2, Upload } from 'lucide-react';
import { type DragEvent, type KeyboardEvent, useMemo, useRef, useState } from 'react';
import { describeError } from '../../api/error-messages';
import { ConfirmDialog } from '../../app/ConfirmDialog';
import { formatBytes } from '../../app/format';
import { useReplSession } from '../repl-session';
import { fileIcon } from './file-icons';
import { visibleRows } from './file-tree-model';
import { NameInput } from './NameInput';
import { fileToBase64 } from './upload';
import { useFileTree } from './use-file-tree';
import { baseName, isWithin, joinPath, parentOf } from './workspace-path';

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

const DRAG_TYPE = 'application/x-cubicle-path';

/** The workspace's files: lazy folders, live updates, create/rename/delete, drag to move, drop to upload. */
export function FileTree({ activePath, onOpen, onMoved, onDeleted, gitLetters }: FileTreeProps) {
  const { connection } = useReplSession();
  const { tree, toggle } = useFileTree(connection);
  const rows = useMemo(() => visibleRows(tree), [tree]);
  const [focused, setFocused] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<FileEntry | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const uploadInput = useRef<HTMLInputElement>(null);
  const container = useRef<HTMLDivElement>(null);

  const focusedEntry = rows.find((r) => r.entry.path === focused)?.entry ?? null;
  /** New files go into the focused folder, or beside the focused file. */
  const targetDir = focusedEntry ? (focusedEntry.type === 'dir' ? focusedEntry.path : parentOf(focusedEntry.path)) : '';

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const create = (dir: string, type: 'file' | 'dir', name: string) =>
    run(async () => {
      const path = joinPath(dir, name);
      // `src/app.js` typed at the root: the runner makes `src`; the tree opens it to show the file.
      for (let folder = parentOf(path); folder && folder !== dir; folder = parentOf(folder)) toggle(folder, true);
      if (type === 'file') {
        await connection.request('createFile', { path });
        onOpen(path, { name, path, type: 'file', size: 0, mtimeMs: Date.now() });
      } else {
        await connection.request('createDir', { path });
      }
      setFocused(path);
    });

  const move = (from: string, to: string) =>
    run(async () => {
      if (from === to) return;
      if (isWithin(to, from)) throw new Error('A folder cannot be moved into itself.');
      await connection.request('rename', { from, to });
      onMoved(from, to);
      if (parentOf(to)) toggle(parentOf(to), true); // reveal where it went
      setFocused(to);
    });

  const upload = (dir: string, files: FileList) =>
    run(async () => {
      if (dir) toggle(dir, true);
      for (const file of Array.from(files)) {
        // The runner says its limit at each connection; saying so before reading the file spares the upload.
        const max = connection.limits.maxFileBytes;
        if (file.size > max) throw new Error(`${file.name} is over this repl's ${formatBytes(max)} file limit.`);
        const content = await fileToBase64(file);
        await connection.request('createFile', { path: joinPath(dir, file.name), content, encoding: 'base64' });
      }
    });

  const onKeyDown = (e: KeyboardEvent) => {
    if (editing) return;
    const i = rows.findIndex((r) => r.entry.path === focused);
    const row = rows[i];
    const go = (j: number) => {
      const next = rows[Math.max(0, Math.min(rows.length - 1, j))];
      if (next) setFocused(next.entry.path);
    };
    switch (e.key) {
      case 'ArrowDown':
        go(i + 1);
        break;
      case 'ArrowUp':
        go(i < 0 ? 0 : i - 1);
        break;
      case 'ArrowRight':
        if (row?.entry.type === 'dir') {
          if (tree.expanded.has(row.entry.path)) go(i + 1);
          else toggle(row.entry.path, true);
        }
        break;
      case 'ArrowLeft':
        if (row?.entry.type === 'dir' && tree.expanded.has(row.entry.path)) toggle(row.entry.path, false);
        else if (row && parentOf(row.entry.path)) setFocused(parentOf(row.entry.path));
        break;
      case 'Enter':
        if (row?.entry.type === 'dir') toggle(row.entry.path);
        else if (row) onOpen(row.entry.path, row.entry);
        break;
      case 'F2':
        if (row) setEditing({ kind: 'rename', path: row.entry.path });
        break;
      case 'Delete':
        if (row) setDeleting(row.entry);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const dropProps = (dir: string) => ({
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
          <button type="button" className="link" onClick={() => setError(null)}>
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
          const icon = fileIcon(entry.name);
          const renaming = editing?.kind === 'rename' && editing.path === entry.path;
          return (
            <div key={entry.path} role="none">
              {/* biome-ignore lint/a11y/useKeyWithClickEvents: the tree's own onKeyDown moves through rows (one tab stop, as in VS Code) */}
              <div
                role="treeitem"
                aria-level={depth + 1}
                aria-expanded={isDir ? open : undefined}
                aria-selected={entry.path === focused}
                data-path={entry.path}
                tabIndex={-1}
                className={[
                  'tree-row',
                  entry.path === focused ? 'focused' : '',
                  entry.path === activePath ? 'active' : '',
                  dropTarget === entry.path ? 'drop-target' : '',
                ].join(' ')}
                style={{ paddingLeft: 8 + depth * 14 }}
                draggable={!renaming}
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_TYPE, entry.path);
                  e.dataTransfer.effectAllowed = 'move';
                }}
                {...(isDir ? dropProps(entry.path) : dropProps(parentOf(entry.path)))}
                onClick={() => {
                  setFocused(entry.path);
                  container.current?.focus();
                  if (isDir) toggle(entry.path);
                  else onOpen(entry.path, entry);
                }}
              >
                {isDir ? (
                  <span className="chevron" aria-hidden>
                    {open ? <ChevronDown size={14} /> : <ChevronRight size={14} />}
                  </span>
                ) : (
                  <span className="file-icon" style={{ color: icon.color }} aria-hidden>
                    {icon.glyph}
                  </span>
                )}
                {renaming ? (
                  <NameInput
                    label="New name"
                    initial={entry.name}
                    onCancel={() => setEditing(null)}
                    onCommit={(name) => {
                      setEditing(null);
                      void move(entry.path, joinPath(parentOf(entry.path), name));
                    }}
                  />
                ) : (
                  <span
                    className={`tree-name ${gitLetters?.has(entry.path) ? `git-${gitLetters.get(entry.path)}` : ''}`}
                  >
                    {entry.name}
                  </span>
                )}
                {!renaming && !isDir && gitLetters?.has(entry.path) && (
                  <span className={`git-badge git-${gitLetters.get(entry.path)}`} data-git={gitLetters.get(entry.path)}>
                    {gitLetters.get(entry.path)}
                  </span>
                )}
                {!renaming && (
                  <span className="row-actions">
                    <button
                      type="button"
                      aria-label={`Rename ${entry.name}`}
                      title="Rename (F2)"
                      onClick={(e) => {
                        e.stopPropagation();
                        setEditing({ kind: 'rename', path: entry.path });
                      }}
                    >
                      <Pencil size={12} aria-hidden />
                    </button>
                    <button
                      type="button"
                      aria-label={`Delete ${entry.name}`}
                      title="Delete (Del)"
                      onClick={(e) => {
                        e.stopPropagation();
                        setDeleting(entry);
                      }}
                    >
                      <Trash2 size={12} aria-hidden />
                    </button>
                  </span>
                )}
              </div>
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
            void run(async () => {
              await connection.request('delete', { path: entry.path });
              onDeleted(entry.path);
            });
          }}
        />
      )}
    </div>
  );
}
