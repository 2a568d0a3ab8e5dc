import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunnerError } from '../errors.js';
import { WorkspacePaths } from './workspace-paths.js';

describe('WorkspacePaths', () => {
  let tmp: string;
  let paths: WorkspacePaths;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-paths-'));
    const root = path.join(tmp, 'ws');
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'outside');
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(root, 'escape'));
    fs.symlinkSync(tmp, path.join(root, 'escape-dir'));
    fs.symlinkSync(path.join(tmp, 'missing'), path.join(root, 'dangling-out'));
    fs.symlinkSync('src', path.join(root, 'inner-link'));
    paths = await WorkspacePaths.open(root);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const refused = async (p: Promise<unknown>) =>
    assert.rejects(p, (err: unknown) => err instanceof RunnerError && err.code === 'EACCES');

  it('normalises relative POSIX paths', () => {
    assert.equal(paths.normalize('').rel, '');
    assert.equal(paths.normalize('./src//a.ts/').rel, 'src/a.ts');
    assert.equal(paths.normalize('src/a.ts').abs, path.join(paths.root, 'src', 'a.ts'));
  });

  it('refuses "..", absolute paths and NUL bytes before touching the disk', async () => {
    await refused(paths.resolveTarget('../secret.txt'));
    await refused(paths.resolveTarget('src/../../secret.txt'));
    await refused(paths.resolveTarget('/etc/passwd'));
    await refused(paths.resolveTarget('a\0b'));
  });

  it('refuses symlinks that resolve outside, through files, directories and dangling links', async () => {
    await refused(paths.resolveTarget('escape'));
    await refused(paths.resolveTarget('escape-dir/secret.txt'));
    await refused(paths.resolveTarget('escape-dir/new-file'));
    await refused(paths.resolveTarget('dangling-out'));
  });

  it('allows links that stay inside, and new paths under real directories', async () => {
    assert.equal((await paths.resolveTarget('inner-link')).rel, 'inner-link');
    assert.equal((await paths.resolveTarget('src/new/deeper.txt')).rel, 'src/new/deeper.txt');
  });

  it('lets an outside-pointing link itself be renamed or deleted, but never the root', async () => {
    assert.equal((await paths.resolveEntry('escape')).rel, 'escape');
    await refused(paths.resolveEntry(''));
    await refused(paths.resolveEntry('escape-dir/secret.txt'));
  });
});
