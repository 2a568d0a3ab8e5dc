import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GitStatus } from '@cubicle/protocol';
import { type RunnerClient, type RunnerHarness, startRunner } from '../test-support/runner-harness.js';

describe('git in the runner (real git, real socket)', () => {
  let runner: RunnerHarness;
  let client: RunnerClient;
  const call = async <T>(event: string, payload: unknown = {}): Promise<T> => {
    const r = (await client.emitWithAck(event as 'git:status', payload as undefined)) as unknown as { ok: boolean } & T;
    assert.ok(r.ok, `${event}: ${JSON.stringify(r)}`);
    return r;
  };
  before(async () => {
    runner = await startRunner();
    client = await runner.connect();
  });
  after(async () => {
    assert.equal(await runner.stop(), 0);
  });

  it('a workspace that is no repository says so', async () => {
    assert.deepEqual(await call<GitStatus>('git:status'), {
      ok: true,
      repository: false,
      branch: null,
      ahead: null,
      behind: null,
      changes: [],
    });
  });

  it('status, diff, stage, commit, branch: what the Source Control view does', async () => {
    const w = runner.workspace;
    // As the workspace's owner (the runner's user): git refuses a repository someone else owns.
    const { uid, gid } = fs.statSync(w);
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: w, encoding: 'utf8', uid, gid, env: { ...process.env, HOME: w } });
    const write = (name: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(w, name)), { recursive: true });
      fs.writeFileSync(path.join(w, name), text);
      execFileSync('chown', ['-R', `${uid}:${gid}`, w]);
    };
    git('init', '-q', '-b', 'main');
    write('a.txt', 'one\n');
    let status = await call<GitStatus>('git:status');
    assert.equal(status.branch, 'main');
    assert.deepEqual(status.changes, [{ path: 'a.txt', index: '?', worktree: '?' }]);

    await call('git:stage', { paths: ['a.txt'] });
    status = await call<GitStatus>('git:status');
    assert.deepEqual(status.changes, [{ path: 'a.txt', index: 'A', worktree: ' ' }]);
    await call('git:unstage', { paths: ['a.txt'] }); // before any commit: out of the index again
    assert.equal((await call<GitStatus>('git:status')).changes[0]?.index, '?');
    await call('git:stage', { paths: ['a.txt'] });
    const { commit } = await call<{ commit: string }>('git:commit', { message: 'first' });
    assert.match(commit, /^[0-9a-f]{40}$/);
    assert.equal(git('log', '--format=%s %an').trim(), 'first Cubicle user');

    write('a.txt', 'one\ntwo\n');
    write('dir with space/é.txt', 'x');
    status = await call<GitStatus>('git:status');
    assert.deepEqual(
      status.changes.map((c) => `${c.index}${c.worktree} ${c.path}`),
      [' M a.txt', '?? dir with space/é.txt'],
      'names are given as they are, not quoted',
    );
    const diff = await call<{ head: string; current: string }>('git:diff', { path: 'a.txt' });
    assert.equal(diff.head, 'one\n');
    assert.equal(diff.current, 'one\ntwo\n');

    await call('git:checkout', { branch: 'feature/x', create: true });
    const branches = await call<{ current: string; branches: string[] }>('git:branches');
    assert.equal(branches.current, 'feature/x');
    assert.deepEqual(branches.branches.sort(), ['feature/x', 'main']);
  });

  it('refuses paths outside the workspace, option-like branch names, and says what git said', async () => {
    const outside = (await client.emitWithAck('git:stage', { paths: ['../etc/passwd'] })) as { ok: boolean };
    assert.equal(outside.ok, false);
    const option = (await client.emitWithAck('git:checkout', { branch: '--orphan', create: false })) as { ok: boolean };
    assert.equal(option.ok, false);
    const empty = (await client.emitWithAck('git:commit', { message: '  ' })) as { ok: boolean };
    assert.equal(empty.ok, false);
    const noRemote = (await client.emitWithAck('git:push', {})) as { ok: false; error: { message: string } };
    assert.equal(noRemote.ok, false);
    assert.match(noRemote.error.message, /no (configured push destination|upstream)|fatal/i);
  });
});
