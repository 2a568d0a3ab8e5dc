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
    const onDisk = local.get(name);
    const inS3 = remote.get(name);
    const atBase = base.get(name);
    const kind = isDirName(name)
      ? decideDir(onDisk, inS3, atBase, isDirty(name))
      : decideFile(onDisk, inS3, atBase, isDirty(name));
    if (kind) actions.push({ kind, name });
  }
  return actions;
}

function decideFile(
  onDisk: LocalEntry | undefined,
  inS3: ObjectSummary | undefined,
  atBase: BaseEntry | undefined,
  dirty: boolean,
): ReconcileKind | null {
  const localChanged = dirty || (onDisk ? !matchesBase(atBase, onDisk) : !!atBase);
  const remoteChanged = inS3 ? !atBase || inS3.etag !== atBase.etag : !!atBase;
  if (!onDisk && !inS3) return atBase ? 'forget' : null;
  if (!localChanged && !remoteChanged) return null;
  if (localChanged && !remoteChanged) return onDisk ? 'push' : 'delete-remote';
  if (!localChanged && remoteChanged) return inS3 ? 'pull' : 'delete-local';
  if (onDisk && inS3) return 'both-changed';
  return onDisk ? 'push' : 'pull'; // one side deleted, the other changed: the change survives
}

/** Directories carry no content: only existence counts, and a non-empty directory is never removed. */
function decideDir(
  onDisk: LocalEntry | undefined,
  inS3: ObjectSummary | undefined,
  atBase: BaseEntry | undefined,
  dirty: boolean,
): ReconcileKind | null {
  if (onDisk && inS3) return atBase ? null : 'both-changed';
  if (!onDisk && !inS3) return atBase ? 'forget' : null;
  if (onDisk) return atBase && !dirty ? 'delete-local' : 'push';
  return atBase ? 'delete-remote' : 'pull';
}
