import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../test-support/runner-cli.js';
import { makeRunnerRoot } from '../test-support/runner-harness.js';
import { type S3Harness, startS3 } from '../test-support/s3-harness.js';

describe('runner pull', () => {
  let s3: S3Harness;
  const roots: string[] = [];
  const pullEnv = (replId: string, root: string, extra: Record<string, string> = {}) => ({
    ...s3.env(),
    REPL_ID: replId,
    WORKSPACE_DIR: path.join(root, 'workspace'),
    STATE_DIR: path.join(root, 'state'),
    ...extra,
  });
  const newRoot = () => {
    const root = makeRunnerRoot();
    roots.push(root);
    return root;
  };

  before(async () => {
    s3 = await startS3();
  });
  after(async () => {
    await s3.close();
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  });

  it('downloads every page of a large repl: nested and empty dirs, modes, unusual names', async () => {
    const files: Record<string, string | { content: string; mode: string }> = {};
    for (let i = 0; i < 1500; i++) files[`src/mod${i % 7}/file ${i}.txt`] = `content ${i}\n`;
    files['run.sh'] = { content: '#!/bin/sh\necho ran-ok\n', mode: '755' };
    files['empty/'] = '';
    files['deep/a/b/c/ünïcødé name ☃.md'] = '# snow\n';
    await s3.seed('pull1', files);

    const root = newRoot();
    const result = await runCli(['pull'], pullEnv('pull1', root));
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const ws = path.join(root, 'workspace');
    for (let i = 0; i < 1500; i += 97) {
      assert.equal(fs.readFileSync(path.join(ws, `src/mod${i % 7}/file ${i}.txt`), 'utf8'), `content ${i}\n`);
    }
    const count = fs.readdirSync(path.join(ws, 'src'), { recursive: true }).filter((n) => String(n).endsWith('.txt'));
    assert.equal(count.length, 1500);
    assert.ok(fs.statSync(path.join(ws, 'empty')).isDirectory());
    assert.equal(fs.readdirSync(path.join(ws, 'empty')).length, 0);
    assert.equal(fs.readFileSync(path.join(ws, 'deep/a/b/c/ünïcødé name ☃.md'), 'utf8'), '# snow\n');
    const ran = spawnSync(path.join(ws, 'run.sh'), { encoding: 'utf8' });
    assert.equal(ran.stdout, 'ran-ok\n', 'the executable bit survived the round trip');
    assert.match(result.stdout, /"msg":"pull finished"/);
    assert.match(result.stdout, /"total":1503/);
    // Nothing but the workspace's own files: no temp files left behind.
    assert.equal(fs.readdirSync(ws, { recursive: true }).filter((n) => String(n).includes('.cubicle-tmp-')).length, 0);
  });

  it('a second pull into the same workspace skips what is already there and removes what S3 deleted', async () => {
    await s3.seed('pull2', { 'a.txt': 'a', 'b.txt': 'b' });
    const root = newRoot();
    assert.equal((await runCli(['pull'], pullEnv('pull2', root))).code, 0);
    await s3.store.deleteKeys(['code/pull2/b.txt']);
    await s3.seed('pull2', { 'c.txt': 'c' });
    const again = await runCli(['pull'], pullEnv('pull2', root));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /"downloaded":1,/);
    assert.deepEqual(fs.readdirSync(path.join(root, 'workspace')).sort(), ['a.txt', 'c.txt']);
  });

  it('fails with one clear line when S3 is unreachable, the bucket or prefix is missing, or the keys are wrong', async () => {
    const root = newRoot();
    const cases: [string, Record<string, string>, RegExp][] = [
      ['unreachable', { S3_ENDPOINT: 'http://127.0.0.1:9' }, /cannot reach object storage at http:\/\/127\.0\.0\.1:9/],
      ['no bucket', { S3_BUCKET: 'no-such-bucket' }, /bucket no-such-bucket does not exist/],
      ['bad keys', { AWS_ACCESS_KEY_ID: 'WRONG' }, /refused the credentials/],
      ['no prefix', {}, /nothing at s3:\/\/cubicle-test\/code\/never-created\//],
    ];
    for (const [what, extra, message] of cases) {
      const r = await runCli(['pull'], pullEnv('never-created', root, extra));
      assert.equal(r.code, 1, `${what}: exit code`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
      assert.match(lines[0] ?? '', message, what);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
    }
    const bad = await runCli(['pull'], { REPL_ID: 'x', S3_ENDPOINT: 'not a url' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^runner: invalid runner configuration: .*S3_ENDPOINT.*S3_BUCKET/);
  });
});
