import type { FileChange, FileEntry } from '@cubicle/protocol';
import { baseName, isWithin, parentOf } from './workspace-path';

export type DirStatus = 'loading' | 'loaded' | 'error';
export interface DirState {
  status: DirStatus;
  entries: FileEntry[];
}

/**
 * What the file tree knows: the directories fetched so far (lazily, on expand) and which are
 * open. Pure data; `file:refresh` batches are applied here so any change made by anyone — the
 * shell included — shows without refetching whole directories.
 */
export interface FileTreeState {
  dirs: ReadonlyMap<string, DirState>;
  expanded: ReadonlySet<string>;
}

export interface TreeRow {
  entry: FileEntry;
  depth: number;
}

export function emptyTree(): FileTreeState {
  return { dirs: new Map([['', { status: 'loading', entries: [] }]]), expanded: new Set(['']) };
}

/** Folders first, then names in a human order (file2 before file10). */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
export function sortEntries(entries: FileEntry[]): FileEntry[] {
  return [...entries].sort((a, b) => {
    const ad = a.type === 'dir' ? 0 : 1;
    const bd = b.type === 'dir' ? 0 : 1;
    return ad - bd || collator.compare(a.name, b.name);
  });
}

export function dirLoading(state: FileTreeState, path: string): FileTreeState {
  const dirs = new Map(state.dirs);
  dirs.set(path, { status: 'loading', entries: state.dirs.get(path)?.entries ?? [] });
  return { ...state, dirs };
}

export function dirLoaded(state: FileTreeState, path: string, entries: FileEntry[]): FileTreeState {
  const dirs = new Map(state.dirs);
  dirs.set(path, { status: 'loaded', entries: sortEntries(entries) });
  return { ...state, dirs };
}

export function dirFailed(state: FileTreeState, path: string): FileTreeState {
  const dirs = new Map(state.dirs);
  dirs.set(path, { status: 'error', entries: state.dirs.get(path)?.entries ?? [] });
  return { ...state, dirs };
}

/** Opens or closes a folder; the caller fetches it when `needsFetch` says so. */
export function toggleExpanded(state: FileTreeState, path: string): { state: FileTreeState; needsFetch: boolean } {
  const expanded = new Set(state.expanded);
  if (expanded.has(path)) {
    expanded.delete(path);
    return { state: { ...state, expanded }, needsFetch: false };
  }
  expanded.add(path);
  const known = state.dirs.get(path);
  return { state: { ...state, expanded }, needsFetch: !known || known.status === 'error' };
}

/**
 * Applies one `file:refresh` batch. Only folders already fetched change; a change under a
 * folder never opened is picked up when it is. Entries made here carry size 0 until a refetch.
 */
export function applyChanges(state: FileTreeState, changes: FileChange[]): FileTreeState {
  const dirs = new Map(state.dirs);
  const expanded = new Set(state.expanded);
  for (const change of changes) {
    const parent = parentOf(change.path);
    const dir = dirs.get(parent);
    switch (change.type) {
      case 'add':
      case 'addDir': {
        if (!dir || dir.entries.some((e) => e.path === change.path)) break;
        const entry: FileEntry = {
          name: baseName(change.path),
          path: change.path,
          type: change.type === 'addDir' ? 'dir' : 'file',
          size: 0,
          mtimeMs: Date.now(),
        };
        dirs.set(parent, { ...dir, entries: sortEntries([...dir.entries, entry]) });
        break;
      }
      case 'unlink':
      case 'unlinkDir': {
        if (dir) dirs.set(parent, { ...dir, entries: dir.entries.filter((e) => e.path !== change.path) });
        if (change.type === 'unlinkDir') {
          for (const p of [...dirs.keys()]) if (isWithin(p, change.path)) dirs.delete(p);
          for (const p of [...expanded]) if (isWithin(p, change.path)) expanded.delete(p);
        }
        break;
      }
      case 'change':
        break; // contents, not the tree: the editor listens for these
    }
  }
  return { dirs, expanded };
}

/** The rows on screen, in order: what keyboard navigation moves through. */
export function visibleRows(state: FileTreeState, dir = '', depth = 0): TreeRow[] {
  const rows: TreeRow[] = [];
  for (const entry of state.dirs.get(dir)?.entries ?? []) {
    rows.push({ entry, depth });
    if (entry.type === 'dir' && state.expanded.has(entry.path)) rows.push(...visibleRows(state, entry.path, depth + 1));
  }
  return rows;
}

/** The folders whose contents are on screen: after a reconnect these are fetched again. */
export function loadedOpenDirs(state: FileTreeState): string[] {
  return [...state.expanded].filter((p) => state.dirs.has(p));
}
