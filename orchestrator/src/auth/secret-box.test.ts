import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  it('seals so that only the same key and place open it, and the text is nowhere in the sealed form', () => {
    const box = SecretBox.fromKey(randomBytes(32));
    const sealed = box.seal('hunter2-value', 'abc/API_KEY');
    assert.ok(!sealed.includes('hunter2'));
    assert.notEqual(sealed, box.seal('hunter2-value', 'abc/API_KEY'), 'a fresh nonce each time');
    assert.equal(box.open(sealed, 'abc/API_KEY'), 'hunter2-value');
    assert.throws(() => box.open(sealed, 'other/API_KEY'), 'moved to another repl');
    assert.throws(() => SecretBox.fromKey(randomBytes(32)).open(sealed, 'abc/API_KEY'), 'another key');
    const tampered = `${sealed.slice(0, -4)}AAA=`;
    assert.throws(() => box.open(tampered, 'abc/API_KEY'));
  });

  it('keeps its key in the data folder, private, across restarts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-box-'));
    try {
      const sealed = SecretBox.inDataDir(dir).seal('v', 'r/N');
      assert.equal(fs.statSync(path.join(dir, 'secrets.key')).mode & 0o777, 0o600);
      assert.equal(SecretBox.inDataDir(dir).open(sealed, 'r/N'), 'v');
      assert.throws(() => SecretBox.fromKey(Buffer.alloc(16)), /32 bytes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
