import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunnerConnection } from '../../runner/runner-connection';
import {
  applyChanges,
  dirFailed,
  dirLoaded,
  dirLoading,
  emptyTree,
  type FileTreeState,
  loadedOpenDirs,
  toggleExpanded,
} from './file-tree-model';

/** The tree's state fed by `fetchDir` (lazily), `file:refresh` (live) and reconnects (refetch what is open). */
export function useFileTree(connection: RunnerConnection) {
  const [tree, setTree] = useState<FileTreeState>(emptyTree);

  const load = useCallback(
    async (path: string) => {
      setTree((t) => dirLoading(t, path));
      try {
        const { entries } = await connection.request('fetchDir', { path });
        setTree((t) => dirLoaded(t, path, entries));
      } catch {
        setTree((t) => dirFailed(t, path));
      }
    },
    [connection],
  );

  const treeRef = useRef(tree);
  treeRef.current = tree;

  useEffect(() => {
    void load('');
    const offRefresh = connection.on('file:refresh', ({ changes }) => setTree((t) => applyChanges(t, changes)));
    // Changes made while disconnected were never pushed: refetch every folder on screen.
    const offState = connection.onState((s) => {
      if (s === 'connected') for (const dir of loadedOpenDirs(treeRef.current)) void load(dir);
    });
    return () => {
      offRefresh();
      offState();
    };
  }, [connection, load]);

  /** Opens or closes a folder (`open` forces a direction), fetching it the first time. */
  const toggle = useCallback(
    (path: string, open?: boolean) => {
      const current = treeRef.current;
      if (open !== undefined && current.expanded.has(path) === open) return;
      if (toggleExpanded(current, path).needsFetch) void load(path);
      setTree((t) => toggleExpanded(t, path).state);
    },
    [load],
  );

  return { tree, toggle, reload: load };
}
