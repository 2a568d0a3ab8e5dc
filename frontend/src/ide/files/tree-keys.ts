import type { FileEntry } from '@cubicle/protocol';
import type { KeyboardEvent } from 'react';
import { parentOf } from './workspace-path';

export interface TreeKeyContext {
  rows: { entry: FileEntry; depth: number }[];
  focused: string | null;
  expanded: ReadonlySet<string>;
  setFocused(path: string): void;
  toggle(path: string, open?: boolean): void;
  open(entry: FileEntry): void;
  rename(path: string): void;
  askDelete(entry: FileEntry): void;
}

/** The tree's keys, as in VS Code: arrows move and fold, Enter opens, F2 renames, Delete deletes. */
export function handleTreeKey(e: KeyboardEvent, c: TreeKeyContext): void {
  const i = c.rows.findIndex((r) => r.entry.path === c.focused);
  const row = c.rows[i];
  const go = (j: number) => {
    const next = c.rows[Math.max(0, Math.min(c.rows.length - 1, j))];
    if (next) c.setFocused(next.entry.path);
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
        if (c.expanded.has(row.entry.path)) go(i + 1);
        else c.toggle(row.entry.path, true);
      }
      break;
    case 'ArrowLeft':
      if (row?.entry.type === 'dir' && c.expanded.has(row.entry.path)) c.toggle(row.entry.path, false);
      else if (row && parentOf(row.entry.path)) c.setFocused(parentOf(row.entry.path));
      break;
    case 'Enter':
      if (row?.entry.type === 'dir') c.toggle(row.entry.path);
      else if (row) c.open(row.entry);
      break;
    case 'F2':
      if (row) c.rename(row.entry.path);
      break;
    case 'Delete':
      if (row) c.askDelete(row.entry);
      break;
    default:
      return;
  }
  e.preventDefault();
}
