import type { FileEntry } from '@cubicle/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunnerConnection } from '../../runner/runner-connection';
import { isWithin, rebase } from '../files/workspace-path';
import { OpenDocument } from './open-document';

const tabsKey = (replId: string) => `cubicle:tabs:${replId}`;

/**
 * The editor's open tabs: opened from the tree, kept in step with moves and deletes, told about
 * changes on disk (from `file:refresh` and after a reconnect), and remembered per repl.
 */
export function useOpenDocuments(replId: string, connection: RunnerConnection) {
  const [docs, setDocs] = useState<OpenDocument[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const docsRef = useRef(docs);
  docsRef.current = docs;

  const open = useCallback(
    (path: string, entry?: FileEntry) => {
      setActive(path);
      if (docsRef.current.some((d) => d.path === path)) return;
      const doc = new OpenDocument(connection, path);
      docsRef.current = [...docsRef.current, doc];
      setDocs(docsRef.current);
      void doc.load(entry?.size);
    },
    [connection],
  );

  const close = useCallback((path: string) => {
    const list = docsRef.current;
    const i = list.findIndex((d) => d.path === path);
    if (i < 0) return;
    list[i]?.dispose();
    const rest = list.filter((_, j) => j !== i);
    docsRef.current = rest;
    setDocs(rest);
    setActive((a) => (a === path ? (rest[Math.min(i, rest.length - 1)]?.path ?? null) : a));
  }, []);

  const moved = useCallback((from: string, to: string) => {
    for (const d of docsRef.current) if (isWithin(d.path, from)) d.path = rebase(d.path, from, to);
    setDocs([...docsRef.current]);
    setActive((a) => (a && isWithin(a, from) ? rebase(a, from, to) : a));
  }, []);

  const deleted = useCallback(
    (path: string) => {
      for (const d of [...docsRef.current]) if (isWithin(d.path, path)) close(d.path);
    },
    [close],
  );

  useEffect(() => {
    const offRefresh = connection.on('file:refresh', ({ changes }) => {
      for (const change of changes) {
        const doc = docsRef.current.find((d) => d.path === change.path);
        if (!doc) continue;
        if (change.type === 'change' || change.type === 'add') void doc.diskChanged();
        // Deleted by someone else: a clean tab goes; a dirty one stays so its text is not lost.
        if (change.type === 'unlink' && doc.doc?.status !== 'dirty') close(doc.path);
      }
    });
    let wasConnected = connection.state === 'connected';
    const offState = connection.onState((s) => {
      if (s === 'connected' && !wasConnected) for (const d of docsRef.current) void d.diskChanged();
      wasConnected = s === 'connected';
    });
    return () => {
      offRefresh();
      offState();
    };
  }, [connection, close]);

  // Reopen the tabs of the last visit; remember them on every change.
  useEffect(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(tabsKey(replId)) ?? 'null') as {
        paths: string[];
        active: string | null;
      };
      if (!saved) return;
      for (const p of saved.paths) open(p);
      if (saved.active) setActive(saved.active);
    } catch {
      // nothing remembered
    }
  }, [replId, open]);
  useEffect(() => {
    try {
      localStorage.setItem(tabsKey(replId), JSON.stringify({ paths: docs.map((d) => d.path), active }));
    } catch {
      // storage unavailable: tabs are simply not remembered
    }
  }, [replId, docs, active]);

  useEffect(
    () => () => {
      for (const d of docsRef.current) d.dispose();
      docsRef.current = [];
    },
    [],
  );

  return { docs, active, setActive, open, close, moved, deleted };
}
