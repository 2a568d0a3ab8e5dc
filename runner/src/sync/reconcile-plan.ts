import type { ObjectSummary } from '@cubicle/storage';
import { isDirName } from './object-names.js';
import { type BaseEntry, matchesBase } from './sync-journal.js';
import type { LocalEntry } from './workspace-scan.js';

export type ReconcileKind =
  | 'push' // upload the local file or directory marker
  | 'delete-remote'
  | 'pull' // download the remote file, or create the directory
  | 'delete-local'
  | 'forget' // the base remembers a name neither side has
  | 'both-changed'; // compare contents: equal → remember, different → keep both (conflict copy)

export interface ReconcileAction {
  kind: ReconcileKind;
  name: string;
}

export interface ReconcileInput {
  local: Map<string, LocalEntry>;
  remote: Map<string, ObjectSummary>;
  /** What S3 held after our last sync of each name (the journal's base). */
  base: Map<string, BaseEntry>;
  /** Whether a name has acknowledged local work not yet in S3 (the journal's dirty paths). */
  isDirty: (name: string) => boolean;
}

/**
 * The start-up reconcile rule: a three-way comparison of local disk, S3 and the base (what S3 held
 * when this workspace last synced), per name:
 * - a side "changed" when it differs from the base (local: journal-dirty, or size/mtime/mode
 *   differ; remote: the ETag differs); with no base, both sides count as changed;
 * - only one side changed → that side wins (upload or download; deletions propagate);
 * - both changed → a deletion never wins over a change (the changed copy is restored on both sides);
 *   two different contents are both kept: the local one stays at its name, the remote one is saved
 *   beside it as a conflict copy. A newer remote object is therefore never overwritten blindly.
 */
export function planReconcile({ local, remote, base, isDirty }: ReconcileInput): ReconcileAction[] {
  const names = new Set([...local.keys(), ...remote.keys(), ...base.keys()]);
  const actions: ReconcileAction[] = [];
  for (const name of names) {
    const L = local.get(name);
    const R = remote.get(name);
    const B = base.get(name);
    const kind = isDirName(name) ? decideDir(L, R, B, isDirty(name)) : decideFile(L, R, B, isDirty(name));
    if (kind) actions.push({ kind, name });
  }
  return actions;
}

function decideFile(
  L: LocalEntry | undefined,
  R: ObjectSummary | undefined,
  B: BaseEntry | undefined,
  dirty: boolean,
): ReconcileKind | null {
  const localChanged = dirty || (L ? !matchesBase(B, L) : !!B);
  const remoteChanged = R ? !B || R.etag !== B.etag : !!B;
  if (!L && !R) return B ? 'forget' : null;
  if (!localChanged && !remoteChanged) return null;
  if (localChanged && !remoteChanged) return L ? 'push' : 'delete-remote';
  if (!localChanged && remoteChanged) return R ? 'pull' : 'delete-local';
  if (L && R) return 'both-changed';
  return L ? 'push' : 'pull'; // one side deleted, the other changed: the change survives
}

/** Directories carry no content: only existence counts, and a non-empty directory is never removed. */
function decideDir(
  L: LocalEntry | undefined,
  R: ObjectSummary | undefined,
  B: BaseEntry | undefined,
  dirty: boolean,
): ReconcileKind | null {
  if (L && R) return B ? null : 'both-changed';
  if (!L && !R) return B ? 'forget' : null;
  if (L) return B && !dirty ? 'delete-local' : 'push';
  return B ? 'delete-remote' : 'pull';
}
