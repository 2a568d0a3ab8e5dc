import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chownTree } from './privileges.js';

const asRoot = process.getuid?.() === 0;

test('handing a workspace to its user never follows a symlink out of it', {
  skip: !asRoot && 'needs root',
}, async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-chown-test-'));
  try {
    const outside = path.join(root, 'data');
    fs.mkdirSync(path.join(outside, 'deep'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'secret'), 'root only', { mode: 0o600 });
    const ws = path.join(root, 'workspace');
    fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'src', 'a.js'), '');
    fs.symlinkSync(outside, path.join(ws, 'pwn')); // ln -s "$DATA_DIR" pwn
    fs.symlinkSync(path.join(outside, 'secret'), path.join(ws, 'src', 'file-link'));

    await chownTree(ws, 4242, 4343);

    for (const p of ['', 'src', 'src/a.js']) assert.equal(fs.lstatSync(path.join(ws, p)).uid, 4242, p);
    assert.equal(fs.lstatSync(path.join(ws, 'pwn')).uid, 4242, 'the link itself is handed over');
    for (const p of [outside, path.join(outside, 'deep'), path.join(outside, 'secret')])
      assert.equal(fs.statSync(p).uid, 0, `${p} stays root's`);
    await assert.rejects(chownTree(path.join(ws, 'pwn'), 4242, 4343), /must be a directory/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
