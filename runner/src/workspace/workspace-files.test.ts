import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listWorkspaceFiles } from './workspace-files.js';

describe('listWorkspaceFiles (quick open)', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-files-'));
    const files = {
      'index.js': '',
      'src/app.js': '',
      'src/lib/util.js': '',
      'node_modules/x/index.js': '',
      '.git/HEAD': '',
      'dist/bundle.js': '',
      'debug.log': '',
      '.gitignore': 'dist/\n*.log\n',
      '.env': '',
    };
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), content);
    }
    fs.symlinkSync('/etc', path.join(root, 'etc-link')); // never followed
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists every file, top of the tree first, without .git, node_modules or what .gitignore ignores', async () => {
    const { paths, truncated } = await listWorkspaceFiles(root, 100);
    assert.deepEqual(paths, ['.env', '.gitignore', 'index.js', 'src/app.js', 'src/lib/util.js']);
    assert.equal(truncated, false);
  });

  it('stops at the limit and says so', async () => {
    const { paths, truncated } = await listWorkspaceFiles(root, 3);
    assert.deepEqual(paths, ['.env', '.gitignore', 'index.js']);
    assert.equal(truncated, true);
  });
});
