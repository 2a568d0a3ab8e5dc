import type { FileEntry } from '@cubicle/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RunnerConnection } from '../../runner/runner-connection';
import { isWithin, rebase } from '../files/workspace-path';
import { LanguageClients } from '../language/language-clients';
import { applyTextEdits, type TextEdit } from '../language/text-edits';
import { OpenDocument, type TextLocation } from './open-document';
import { UnsavedBackups } from './unsaved-backups';

const tabsKey = (replId: string) => `cubicle:tabs:${replId}`;

/**
 * The editor's open tabs: opened from the tree, kept in step with moves and deletes, told about
 * changes on disk (from `file:refresh` and after a reconnect), and remembered per repl. Closing a
 * tab saves it first; a tab whose text cannot be saved is only closed once the person agrees
 * (`closing`). A page going away keeps every unsaved text (see UnsavedBackups).
 */
export function useOpenDocuments(replId: string, connection: RunnerConnection) {
  const [docs, setDocs] = useState<OpenDocument[]>([]);
  const [active, setActive] = useState<string | null>(null);
  /** A tab waiting for the person to confirm that its unsaved text may go. */
  const [closing, setClosing] = useState<OpenDocument | null>(null);
  const docsRef = useRef(docs);
  docsRef.current = docs;
  const backups = useMemo(() => new UnsavedBackups(replId), [replId]);
  const openRef = useRef<(path: string) => void>(() => {});
  const languages = useMemo(
    () =>
      new LanguageClients(connection, {
        // Go to definition in another file: its tab, once its editor is there.
        display: async (path) => {
          openRef.current(path);
          return (await docsRef.current.find((d) => d.path === path)?.whenEditor()) ?? null;
        },
        read: async (path) => {
          const file = await connection.request('fetchContent', { path }).catch(() => null);
          return file && file.encoding !== 'base64' ? file.content : null;
        },
        // A rename's edits to a file without a tab: through the runner, against the version read.
        editFile: async (path: string, edits: readonly TextEdit[]) => {
          const { content, version } = await connection.request('fetchContent', { path });
          await connection.request('updateContent', {
            path,
            content: applyTextEdits(content, edits),
            baseVersion: version,
          });
        },
      }),
    [connection],
  );
  useEffect(() => () => languages.dispose(), [languages]);

  /** Opens `path` (or shows its tab), at `at` when given (a search hit). */
  const open = useCallback(
    (path: string, entry?: FileEntry, at?: TextLocation) => {
      setActive(path);
      let doc = docsRef.current.find((d) => d.path === path);
      if (!doc) {
        doc = new OpenDocument(connection, path, backups, languages);
        docsRef.current = [...docsRef.current, doc];
        setDocs(docsRef.current);
        void doc.load(entry?.size);
      }
      if (at) doc.reveal(at);
    },
    [connection, backups, languages],
  );
  openRef.current = open;

  /** Takes a tab away; `discard` drops its unsaved text, otherwise it is kept and saved. */
  const remove = useCallback((doc: OpenDocument, how: 'keep' | 'discard' = 'keep') => {
    const list = docsRef.current;
    const i = list.indexOf(doc);
    if (i < 0) return;
    if (how === 'discard') doc.discard();
    else doc.dispose();
    const rest = list.filter((_, j) => j !== i);
    docsRef.current = rest;
    setDocs(rest);
    setActive((a) => (a === doc.path ? (rest[Math.min(i, rest.length - 1)]?.path ?? null) : a));
  }, []);

  /** The person closes a tab: save it, or ask before its text is dropped. */
  const close = useCallback(
    async (path: string) => {
      const doc = docsRef.current.find((d) => d.path === path);
      if (!doc) return;
      if (await doc.flush()) remove(doc);
      else setClosing(doc);
    },
    [remove],
  );
  const discard = useCallback(
    (path: string) => {
      const doc = docsRef.current.find((d) => d.path === path);
      if (doc) remove(doc, 'discard');
    },
    [remove],
  );
  const confirmClose = useCallback(
    (discard: boolean) => {
      if (closing && discard) remove(closing, 'discard');
      setClosing(null);
    },
    [closing, remove],
  );

  const moved = useCallback((from: string, to: string) => {
    for (const d of docsRef.current) {
      if (!isWithin(d.path, from)) continue;
      d.path = rebase(d.path, from, to);
      d.connectLanguageServer();
    }
    setDocs([...docsRef.current]);
    setActive((a) => (a && isWithin(a, from) ? rebase(a, from, to) : a));
  }, []);

  // Deleted (from the tree, the shell, anyone): a clean tab goes; an unsaved one stays, its
  // text now the only copy, until it is saved again or discarded.
  const deleted = useCallback(
    (path: string) => {
      for (const d of [...docsRef.current]) if (isWithin(d.path, path) && d.diskDeleted() === 'close') remove(d);
    },
    [remove],
  );

  useEffect(() => {
    const offRefresh = connection.on('file:refresh', ({ changes }) => {
      for (const change of changes) {
        const doc = docsRef.current.find((d) => d.path === change.path);
        if (!doc) continue;
        if (change.type === 'change' || change.type === 'add') void doc.diskChanged();
        if (change.type === 'unlink' && doc.diskDeleted() === 'close') remove(doc);
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
  }, [connection, remove]);

  // A reload or a closed window: keep every unsaved text, and ask only if one could not be kept.
  useEffect(() => {
    const preserveAll = () => docsRef.current.map((d) => d.preserve()).every(Boolean);
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (!preserveAll()) e.preventDefault();
    };
    window.addEventListener('beforeunload', beforeUnload);
    window.addEventListener('pagehide', preserveAll);
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      window.removeEventListener('pagehide', preserveAll);
    };
  }, []);

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

  return { docs, active, setActive, open, close, discard, closing, confirmClose, moved, deleted, languages };
}
