import { describe, expect, it } from 'vitest';
import { baseVersionForSave, type DocumentEvent, openedDocument, reduceDocument } from './document-state';

function run(events: DocumentEvent[]) {
  let state = openedDocument('v1');
  const effects: string[] = [];
  for (const e of events) {
    const r = reduceDocument(state, e);
    state = r.state;
    effects.push(r.effect);
  }
  return { state, effects };
}

describe('document save state', () => {
  it('edit → save → clean at the new version', () => {
    const { state } = run([{ type: 'edited' }, { type: 'saveStarted' }, { type: 'saved', version: 'v2' }]);
    expect(state.status).toBe('clean');
    expect(state.version).toBe('v2');
  });

  it('typing during a save leaves the tab dirty afterwards (the next autosave takes it)', () => {
    const { state } = run([
      { type: 'edited' },
      { type: 'saveStarted' },
      { type: 'edited' },
      { type: 'saved', version: 'v2' },
    ]);
    expect(state.status).toBe('dirty');
    expect(baseVersionForSave(state)).toBe('v2');
  });

  it('a clean tab reloads silently when the file changes on disk (sed in the shell)', () => {
    const { state, effects } = run([{ type: 'diskChanged', version: 'v9' }]);
    expect(effects).toEqual(['reload']);
    expect(state.status).toBe('clean');
    expect(
      run([
        { type: 'diskChanged', version: 'v9' },
        { type: 'reloaded', version: 'v9' },
      ]).state.version,
    ).toBe('v9');
  });

  it('the echo of our own save is not a change', () => {
    const { effects, state } = run([
      { type: 'edited' },
      { type: 'saveStarted' },
      { type: 'saved', version: 'v2' },
      { type: 'diskChanged', version: 'v2' },
    ]);
    expect(effects.at(-1)).toBe('none');
    expect(state.status).toBe('clean');
  });

  it('a dirty tab whose file changed on disk asks: overwrite saves against the disk version', () => {
    const conflicted = run([{ type: 'edited' }, { type: 'diskChanged', version: 'v9' }]).state;
    expect(conflicted.status).toBe('conflict');
    const r = reduceDocument(conflicted, { type: 'overwriteChosen' });
    expect(r.effect).toBe('save');
    expect(baseVersionForSave(r.state)).toBe('v9');
  });

  it('ECONFLICT on save shows the choice; reloading takes the disk text and is clean', () => {
    const { state } = run([{ type: 'edited' }, { type: 'saveStarted' }, { type: 'saveConflicted', diskVersion: 'v5' }]);
    expect(state.status).toBe('conflict');
    expect(reduceDocument(state, { type: 'reloaded', version: 'v5' }).state).toMatchObject({
      status: 'clean',
      version: 'v5',
    });
  });

  it('a change on disk during a save waits for the save to answer', () => {
    const { state, effects } = run([
      { type: 'edited' },
      { type: 'saveStarted' },
      { type: 'diskChanged', version: 'v7' },
    ]);
    expect(state.status).toBe('saving');
    expect(effects.at(-1)).toBe('none');
  });

  it('a failed save stays dirty with the reason, and the next success clears it', () => {
    const failed = run([
      { type: 'edited' },
      { type: 'saveStarted' },
      { type: 'saveFailed', message: 'Too large' },
    ]).state;
    expect(failed).toMatchObject({ status: 'dirty', error: 'Too large' });
    const ok = reduceDocument(reduceDocument(failed, { type: 'saveStarted' }).state, { type: 'saved', version: 'v3' });
    expect(ok.state).toMatchObject({ status: 'clean', error: null });
  });
});

describe('a file deleted on disk', () => {
  it('closes a clean tab, keeps an unsaved one as "deleted" until it is saved again', () => {
    expect(run([{ type: 'diskDeleted' }]).effects).toEqual(['close']);
    const deleted = run([{ type: 'edited' }, { type: 'diskDeleted' }, { type: 'edited' }]);
    expect(deleted.state.status).toBe('deleted');
    expect(deleted.effects).toEqual(['none', 'none', 'none']);
    const again = run([
      { type: 'edited' },
      { type: 'diskDeleted' },
      { type: 'saveStarted' },
      { type: 'saved', version: 'v2' },
    ]);
    expect(again.state).toMatchObject({ status: 'clean', version: 'v2' });
  });

  it('a save that finds the file gone leaves the text as "deleted", not as a failed save', () => {
    const { state } = run([{ type: 'edited' }, { type: 'saveStarted' }, { type: 'saveFoundDeleted' }]);
    expect(state).toMatchObject({ status: 'deleted', error: null });
  });

  it('a deleted file that someone creates again is a conflict: both texts exist', () => {
    const { state } = run([{ type: 'edited' }, { type: 'diskDeleted' }, { type: 'diskChanged', version: 'v5' }]);
    expect(state).toMatchObject({ status: 'conflict', diskVersion: 'v5' });
  });
});
