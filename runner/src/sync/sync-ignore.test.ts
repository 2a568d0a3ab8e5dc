import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_SYNC_IGNORE, SyncIgnore } from './sync-ignore.js';

describe('SyncIgnore', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-ignore-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ignores node_modules and .cache anywhere by default, and nothing else', () => {
    const ig = new SyncIgnore(dir, DEFAULT_SYNC_IGNORE);
    assert.ok(ig.ignores('node_modules', true));
    assert.ok(ig.ignores('web/node_modules/react/index.js', false));
    assert.ok(ig.ignores('.cache/x', false));
    assert.ok(!ig.ignores('src/node_modules.ts', false));
    assert.ok(!ig.ignores('.git/config', false));
  });

  it("adds cubicle.json's patterns, picks up edits on reload, and survives a broken file", () => {
    const ig = new SyncIgnore(dir, DEFAULT_SYNC_IGNORE);
    fs.writeFileSync(path.join(dir, 'cubicle.json'), JSON.stringify({ run: 'npm start', ignore: ['*.log', '/dist/'] }));
    ig.reload();
    assert.ok(ig.ignores('server.log', false));
    assert.ok(ig.ignores('dist', true));
    assert.ok(!ig.ignores('src/dist', true), 'anchored pattern');
    assert.equal(ig.problem, null);
    fs.writeFileSync(path.join(dir, 'cubicle.json'), '{ not json');
    ig.reload();
    assert.ok(!ig.ignores('server.log', false), 'back to the defaults');
    assert.ok(ig.ignores('node_modules', true));
    assert.match(ig.problem ?? '', /cubicle\.json/);
  });
});
