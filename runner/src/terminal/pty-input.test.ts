import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as pty from 'node-pty';
import { eventually } from '../test-support/runner-harness.js';
import { PtyInput } from './pty-input.js';

/** A PTY whose program copies its raw input to `file` once it has seen `go` (it reads nothing before). */
function copyingPty(file: string) {
  const term = pty.spawn('/bin/sh', ['-c', `stty raw -echo; read -r go; exec cat > '${file}'`], {
    cols: 80,
    rows: 24,
    encoding: null,
  });
  const fd = (term as unknown as { fd: number }).fd;
  return { term, fd };
}

describe('PtyInput', () => {
  it('writes everything, in order, through a full input buffer (a paste into a program that is busy)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-pty-input-'));
    const file = path.join(dir, 'out');
    const { term, fd } = copyingPty(file);
    const errors: Error[] = [];
    const input = new PtyInput(fd, (err) => errors.push(err));
    try {
      // Nothing reads until `go`: a megabyte cannot fit the kernel's buffer, so most of it waits.
      input.write('go\n');
      const expected: string[] = [];
      for (let i = 0; i < 4000; i++) {
        const piece = `${String(i).padStart(6, '0')}:${'x'.repeat(250)}\n`;
        expected.push(piece);
        input.write(i % 2 === 0 ? piece : Buffer.from(piece));
      }
      input.write('é end\n'); // (a later small write never overtakes)
      const want = `${expected.join('')}é end\n`;
      await eventually(
        () => fs.existsSync(file) && fs.statSync(file).size >= Buffer.byteLength(want),
        30_000,
        'the program has read everything',
      );
      assert.equal(fs.readFileSync(file, 'utf8'), want);
      assert.deepEqual(errors, []);
    } finally {
      input.dispose();
      term.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a write the PTY refuses for good, without throwing', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'exit 0'], { cols: 80, rows: 24, encoding: null });
    const fd = (term as unknown as { fd: number }).fd;
    await new Promise<void>((resolve) => term.onExit(() => resolve()));
    const errors: Error[] = [];
    const input = new PtyInput(fd, (err) => errors.push(err));
    for (let i = 0; i < 3; i++) input.write('ls\n');
    await eventually(() => errors.length > 0, 5000, 'the refused write reported');
    input.dispose();
  });
});
