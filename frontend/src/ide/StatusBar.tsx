import type { SyncStatusPush } from '@cubicle/protocol';
import { Circle, TriangleAlert } from 'lucide-react';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { timeAgo } from '../app/time';
import { useRevisions } from '../app/use-revision';
import type { OpenDocument } from './editor/open-document';
import { LanguageStatus } from './language/LanguageStatus';
import type { LanguageClients } from './language/language-clients';
import { useReplSession } from './repl-session';

const CONNECTION_WORDS = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
} as const;

/**
 * Connection, the editor's saves, storage sync and repl state, always visible. The editor and
 * storage are two steps (tab → repl's disk → object storage) and each is named for what it is.
 */
export function StatusBar({ docs, languages }: { docs: readonly OpenDocument[]; languages: LanguageClients }) {
  const { connection, repl } = useReplSession();
  const state = useSyncExternalStore(
    (l) => connection.onState(l),
    () => connection.state,
  );
  const [sync, setSync] = useState<SyncStatusPush | null>(null);
  useEffect(() => connection.on('sync:status', setSync), [connection]);
  return (
    <footer className="status-bar">
      <span className={`status-item conn-${state}`} data-testid="connection-state">
        <Circle size={8} fill="currentColor" aria-hidden /> {CONNECTION_WORDS[state]}
      </span>
      <EditorState docs={docs} />
      <span className={`status-item sync-${sync?.state ?? 'unknown'}`} data-testid="sync-state">
        {syncWords(sync)}
      </span>
      {sync && sync.notSyncedCount > 0 && (
        <span className="status-item sync-refused" data-testid="not-synced" title={notSyncedDetail(sync)}>
          <TriangleAlert size={12} aria-hidden />{' '}
          {sync.notSyncedCount === 1 ? '1 file is' : `${sync.notSyncedCount} files are`} not in storage
        </span>
      )}
      <span className="status-item">Repl {state === 'connected' ? 'running' : repl.state}</span>
      <span className="status-spacer" />
      <LanguageStatus clients={languages} />
      <span className="status-item muted">{repl.template}</span>
    </footer>
  );
}

function EditorState({ docs }: { docs: readonly OpenDocument[] }) {
  useRevisions(docs);
  const unsaved = docs.filter((d) => d.unsaved && d.doc?.status !== 'saving');
  const saving = docs.filter((d) => d.doc?.status === 'saving');
  const words =
    unsaved.length > 0
      ? `${unsaved.length} unsaved file${unsaved.length === 1 ? '' : 's'}`
      : saving.length > 0
        ? 'Saving…'
        : 'All files saved';
  return (
    <span
      className={`status-item editor-${unsaved.length > 0 ? 'unsaved' : 'saved'}`}
      data-testid="editor-state"
      title={unsaved.map((d) => `${d.path}: ${d.doc?.error ?? d.doc?.status}`).join('\n') || undefined}
    >
      {words}
    </span>
  );
}

/** What has reached object storage (a stopped repl keeps exactly that). */
function syncWords(sync: SyncStatusPush | null): string {
  if (!sync) return 'Storage: …';
  if (sync.state === 'offline') return `Storage unreachable: ${sync.pending} change(s) waiting`;
  if (sync.state === 'pending') return `Storing ${sync.pending} change(s)…`;
  return sync.lastSyncedAt ? `Stored ${timeAgo(new Date(sync.lastSyncedAt).toISOString())}` : 'Stored';
}

/** One line per refused file: what a user needs to rename or move it. */
function notSyncedDetail(sync: SyncStatusPush): string {
  const lines = sync.notSynced.map((f) => `${f.path}: ${f.reason}`);
  const more = sync.notSyncedCount - sync.notSynced.length;
  if (more > 0) lines.push(`…and ${more} more`);
  return `Only on this repl's disk: rename it, or it can be lost when the repl stops.\n${lines.join('\n')}`;
}
