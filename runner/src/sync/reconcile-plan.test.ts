import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectSummary } from '@cubicle/storage';
import { planReconcile, type ReconcileInput } from './reconcile-plan.js';
import type { BaseEntry } from './sync-journal.js';
import type { LocalEntry } from './workspace-scan.js';

const local = (size = 1, mtimeMs = 100, mode = 0o644): LocalEntry => ({ size, mtimeMs, mode });
const remote = (key: string, etag: string): ObjectSummary => ({ key, size: 1, etag });
const base = (etag: string, size = 1, mtimeMs = 100, mode = 0o644): BaseEntry => ({
  etag,
  md5: etag,
  size,
  mtimeMs,
  mode,
});

function plan(input: Partial<ReconcileInput>): Record<string, string> {
  const actions = planReconcile({
    local: new Map(),
    remote: new Map(),
    base: new Map(),
    isDirty: () => false,
    ...input,
  });
  return Object.fromEntries(actions.map((a) => [a.name, a.kind]));
}

describe('planReconcile', () => {
  it('does nothing when both sides match the base', () => {
    assert.deepEqual(
      plan({
        local: new Map([['a', local()]]),
        remote: new Map([['a', remote('a', 'e1')]]),
        base: new Map([['a', base('e1')]]),
      }),
      {},
    );
  });

  it('pushes a local change and a journal-dirty file even when its stat matches', () => {
    assert.deepEqual(
      plan({
        local: new Map([
          ['edited', local(2, 200)],
          ['dirty', local()],
        ]),
        remote: new Map([
          ['edited', remote('edited', 'e1')],
          ['dirty', remote('dirty', 'e1')],
        ]),
        base: new Map([
          ['edited', base('e1')],
          ['dirty', base('e1')],
        ]),
        isDirty: (n) => n === 'dirty',
      }),
      { edited: 'push', dirty: 'push' },
    );
  });

  it('pulls a remote change and deletes locally what was deleted remotely', () => {
    assert.deepEqual(
      plan({
        local: new Map([
          ['a', local()],
          ['b', local()],
        ]),
        remote: new Map([['a', remote('a', 'e2')]]),
        base: new Map([
          ['a', base('e1')],
          ['b', base('e1')],
        ]),
      }),
      { a: 'pull', b: 'delete-local' },
    );
  });

  it('propagates a local delete of an unchanged remote object', () => {
    assert.deepEqual(plan({ remote: new Map([['a', remote('a', 'e1')]]), base: new Map([['a', base('e1')]]) }), {
      a: 'delete-remote',
    });
  });

  it('never lets a deletion win over a change on the other side', () => {
    assert.deepEqual(
      plan({
        local: new Map([['kept-local', local(5, 500)]]),
        remote: new Map([['kept-remote', remote('kept-remote', 'e2')]]),
        base: new Map([
          ['kept-local', base('e1')],
          ['kept-remote', base('e1')],
        ]),
      }),
      { 'kept-local': 'push', 'kept-remote': 'pull' },
    );
  });

  it('flags both-changed (compare, then keep both) instead of overwriting a newer remote', () => {
    assert.deepEqual(
      plan({
        local: new Map([['a', local(9, 900)]]),
        remote: new Map([['a', remote('a', 'e2')]]),
        base: new Map([['a', base('e1')]]),
      }),
      { a: 'both-changed' },
    );
  });

  it('with no base (state lost) treats every name present on both sides as both-changed', () => {
    assert.deepEqual(
      plan({
        local: new Map([
          ['a', local()],
          ['only-local', local()],
        ]),
        remote: new Map([
          ['a', remote('a', 'e1')],
          ['only-remote', remote('only-remote', 'e1')],
        ]),
      }),
      { a: 'both-changed', 'only-local': 'push', 'only-remote': 'pull' },
    );
  });

  it('handles directory markers by existence only', () => {
    assert.deepEqual(
      plan({
        local: new Map([
          ['new/', local(0, 0)],
          ['gone-remote/', local(0, 0)],
        ]),
        remote: new Map([
          ['gone-local/', remote('gone-local/', 'd')],
          ['fresh/', remote('fresh/', 'd')],
        ]),
        base: new Map([
          ['gone-remote/', base('d', 0, 0)],
          ['gone-local/', base('d', 0, 0)],
          ['forgotten/', base('d', 0, 0)],
        ]),
      }),
      {
        'new/': 'push',
        'gone-remote/': 'delete-local',
        'gone-local/': 'delete-remote',
        'fresh/': 'pull',
        'forgotten/': 'forget',
      },
    );
  });
});
