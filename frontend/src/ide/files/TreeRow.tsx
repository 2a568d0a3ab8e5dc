import type { FileEntry } from '@cubicle/protocol';
import { ChevronDown, ChevronRight, Pencil, Trash2 } from 'lucide-react';
import type { DragEvent } from 'react';
import { fileIcon } from './file-icons';
import { NameInput } from './NameInput';

/** The drag payload of a tree row: its workspace path (a drop elsewhere moves it). */
export const DRAG_TYPE = 'application/x-cubicle-path';

/** A drop target's handlers (a folder, or the folder a file is in). */
export interface DropHandlers {
  onDragOver(e: DragEvent): void;
  onDragLeave(): void;
  onDrop(e: DragEvent): void;
}

interface TreeRowProps {
  entry: FileEntry;
  depth: number;
  open: boolean;
  focused: boolean;
  active: boolean;
  dropTarget: boolean;
  renaming: boolean;
  /** Its git letter (M, U, A, D), if changed. */
  gitLetter: string | undefined;
  drop: DropHandlers;
  onClick(): void;
  onRename(): void;
  onRenamed(name: string | null): void;
  onDelete(): void;
}

/** One row of the file tree: chevron or icon, the name (or its rename box), its git mark, its actions. */
export function TreeRow(p: TreeRowProps) {
  const { entry } = p;
  const isDir = entry.type === 'dir';
  const icon = fileIcon(entry.name);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the tree's own onKeyDown moves through rows (one tab stop, as in VS Code)
    <div
      role="treeitem"
      aria-level={p.depth + 1}
      aria-expanded={isDir ? p.open : undefined}
      aria-selected={p.focused}
      data-path={entry.path}
      tabIndex={-1}
      className={[
        'tree-row',
        p.focused ? 'focused' : '',
        p.active ? 'active' : '',
        p.dropTarget ? 'drop-target' : '',
      ].join(' ')}
      style={{ paddingLeft: 8 + p.depth * 14 }}
      draggable={!p.renaming}
      onDragStart={(e) => {
        e.dataTransfer.setData(DRAG_TYPE, entry.path);
        e.dataTransfer.effectAllowed = 'move';
      }}
      {...p.drop}
      onClick={p.onClick}
    >
      {isDir ? (
        <span className="chevron" aria-hidden>
          {p.open ? <ChevronDown size={14} /> : <ChevronRight size={14} />}
        </span>
      ) : (
        <span className="file-icon" style={{ color: icon.color }} aria-hidden>
          {icon.glyph}
        </span>
      )}
      {p.renaming ? (
        <NameInput
          label="New name"
          initial={entry.name}
          onCancel={() => p.onRenamed(null)}
          onCommit={(name) => p.onRenamed(name)}
        />
      ) : (
        <span className={`tree-name ${p.gitLetter ? `git-${p.gitLetter}` : ''}`}>{entry.name}</span>
      )}
      {!p.renaming && !isDir && p.gitLetter && (
        <span className={`git-badge git-${p.gitLetter}`} data-git={p.gitLetter}>
          {p.gitLetter}
        </span>
      )}
      {!p.renaming && (
        <span className="row-actions">
          <button
            type="button"
            aria-label={`Rename ${entry.name}`}
            title="Rename (F2)"
            onClick={(e) => {
              e.stopPropagation();
              p.onRename();
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
              p.onDelete();
            }}
          >
            <Trash2 size={12} aria-hidden />
          </button>
        </span>
      )}
    </div>
  );
}
