/**
 * The save/conflict state of one open file (docs/ide.md: `updateContent` with `baseVersion`).
 *
 *   clean ──edit──> dirty ──save──> saving ──ok──> clean (or dirty if edited meanwhile)
 *                                      └──ECONFLICT──> conflict ──overwrite|reload──> …
 *   clean + changed on disk ─> reload silently;  dirty + changed on disk ─> conflict
 *   clean + deleted on disk ─> close the tab;    unsaved + deleted on disk ─> deleted
 *   deleted ──save──> saving (the file is created again) ──ok──> clean
 *
 * Pure: the editor component feeds it events and carries out the `effect` it returns.
 */
export type DocumentStatus = 'clean' | 'dirty' | 'saving' | 'conflict' | 'deleted';

export interface DocumentState {
  status: DocumentStatus;
  /** Version of the file on disk that the buffer is based on. */
  version: string;
  /** While saving: the buffer changed after the save began, so it stays dirty when it lands. */
  editedWhileSaving: boolean;
  /** In conflict: the version now on disk. */
  diskVersion: string | null;
  /** The last save's failure, in words (kept until the next successful save). */
  error: string | null;
}

export type DocumentEvent =
  | { type: 'edited' }
  | { type: 'saveStarted' }
  | { type: 'saved'; version: string }
  | { type: 'saveConflicted'; diskVersion: string }
  | { type: 'saveFailed'; message: string }
  | { type: 'saveFoundDeleted' }
  | { type: 'diskChanged'; version: string }
  | { type: 'reloaded'; version: string }
  | { type: 'overwriteChosen' }
  | { type: 'diskDeleted' };

/** What the editor must do after an event: nothing, adopt the disk's text, save again, or close the tab. */
export type DocumentEffect = 'none' | 'reload' | 'save' | 'close';

export function openedDocument(version: string): DocumentState {
  return { status: 'clean', version, editedWhileSaving: false, diskVersion: null, error: null };
}

export function canSave(state: DocumentState): boolean {
  return state.status === 'dirty' || state.status === 'deleted';
}

/** The tab holds text that is not on disk (closing or leaving must save it, or ask). */
export function isUnsaved(state: DocumentState): boolean {
  return state.status !== 'clean';
}

/** The `baseVersion` a save sends: the disk's version once the person chose to overwrite it. */
export function baseVersionForSave(state: DocumentState): string {
  return state.diskVersion ?? state.version;
}

export function reduceDocument(
  state: DocumentState,
  event: DocumentEvent,
): { state: DocumentState; effect: DocumentEffect } {
  const next = (s: Partial<DocumentState>, effect: DocumentEffect = 'none') => ({ state: { ...state, ...s }, effect });
  switch (event.type) {
    case 'edited':
      if (state.status === 'clean') return next({ status: 'dirty' });
      if (state.status === 'saving') return next({ editedWhileSaving: true });
      return next({});
    case 'saveStarted':
      return next({ status: 'saving', editedWhileSaving: false });
    case 'saved':
      return next({
        status: state.editedWhileSaving ? 'dirty' : 'clean',
        version: event.version,
        diskVersion: null,
        editedWhileSaving: false,
        error: null,
      });
    case 'saveConflicted':
      return next({ status: 'conflict', diskVersion: event.diskVersion, editedWhileSaving: false });
    case 'saveFoundDeleted':
      return next({ status: 'deleted', diskVersion: null, editedWhileSaving: false, error: null });
    case 'saveFailed':
      return next({ status: 'dirty', editedWhileSaving: false, error: event.message });
    case 'diskChanged':
      // Deleted, then created again by someone else: both texts exist, so the person chooses.
      if (state.status === 'deleted') return next({ status: 'conflict', diskVersion: event.version });
      // Our own save's echo, or a change we already know about.
      if (event.version === state.version || event.version === state.diskVersion) return next({});
      if (state.status === 'clean') return next({}, 'reload');
      // While saving, the save's own answer (ok or ECONFLICT) decides.
      if (state.status === 'saving') return next({});
      return next({ status: 'conflict', diskVersion: event.version });
    case 'reloaded':
      return next({
        status: 'clean',
        version: event.version,
        diskVersion: null,
        editedWhileSaving: false,
        error: null,
      });
    case 'overwriteChosen':
      if (state.status !== 'conflict') return next({});
      return next({ status: 'dirty' }, 'save');
    case 'diskDeleted':
      // A clean tab only shows what was deleted; unsaved text is now the only copy.
      if (state.status === 'clean') return next({}, 'close');
      // While saving, the save's own answer decides (it may have created the file again).
      if (state.status === 'saving') return next({});
      return next({ status: 'deleted', diskVersion: null, error: null });
  }
}
