import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateReplRequest } from '@cubicle/protocol';
import { startTestS3, type TestS3 } from '@cubicle/storage/test-support/test-s3';
import { freePort } from '../drivers/local/process-control.js';
import { importRepository } from './git-import.js';
import { parseGitProgress } from './import-progress.js';

describe('importRepository (real git daemon on loopback, real S3)', () => {
  let s3: TestS3;
  let served: string;
  let daemon: ReturnType<typeof spawn>;
  let url: string;
  before(async () => {
    s3 = await startTestS3();
    served = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-import-test-'));
    const work = path.join(served, 'work');
    fs.mkdirSync(path.join(work, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(work, 'README.md'), '# hi\n');
    fs.writeFileSync(path.join(work, 'bin', 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
    fs.symlinkSync('/etc/passwd', path.join(work, 'passwd-link')); // a hostile repository's link to the host
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'ignore' });
    git(work, 'init', '-q', '-b', 'main');
    git(work, 'add', '.');
    git(work, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'first');
    git(served, 'clone', '-q', '--bare', 'work', 'p.git');
    const port = await freePort();
    daemon = spawn(
      'git',
      ['daemon', '--export-all', `--base-path=${served}`, '--listen=127.0.0.1', `--port=${port}`, served],
      {
        stdio: 'ignore',
      },
    );
    url = `git://127.0.0.1:${port}/p.git`;
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('git', ['ls-remote', url], { stdio: 'ignore' });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  after(async () => {
    daemon.kill();
    fs.rmSync(served, { recursive: true, force: true });
    await s3.close();
  });

  it('uploads the files with their modes and the history, and never a symlink target; says how far it is', async () => {
    const progress: string[] = [];
    const files = await importRepository(url, s3.store, 'code/imported0001/', (p) =>
      progress.push(`${p.phase} ${p.percent}`),
    );
    assert.ok(
      progress.some((p) => /^(Receiving objects|Counting objects|Resolving deltas) \d+$/.test(p)),
      progress.join(),
    );
    assert.equal(progress.at(-1), 'Uploading files 100');
    const keys = (await s3.store.listKeys('code/imported0001/')).map((k) => k.slice('code/imported0001/'.length));
    assert.ok(keys.includes('README.md') && keys.includes('bin/run.sh'));
    assert.ok(keys.includes('.git/HEAD'), 'the history comes along');
    assert.ok(!keys.includes('passwd-link'), 'the link is not followed (nor uploaded)');
    assert.equal(files, keys.length);
    assert.equal((await s3.store.head('code/imported0001/bin/run.sh'))?.meta.mode, '755');
  });

  it('says why a clone fails; only http(s) and git addresses are taken at all', async () => {
    await assert.rejects(
      importRepository(`${url.replace('p.git', 'missing.git')}`, s3.store, 'code/x/'),
      /could not clone/,
    );
    assert.equal(CreateReplRequest.safeParse({ repository: 'file:///etc' }).success, false);
    assert.equal(CreateReplRequest.safeParse({ repository: '/srv/repo.git' }).success, false);
    assert.equal(CreateReplRequest.safeParse({ repository: 'ext::sh -c id' }).success, false);
    assert.equal(CreateReplRequest.safeParse({ repository: url, template: 'node' }).success, false, 'one or the other');
    assert.equal(CreateReplRequest.safeParse({ repository: url }).success, true);
  });

  it("reads git's progress lines, and nothing else", () => {
    assert.deepEqual(parseGitProgress('Receiving objects:  45% (90/200), 1.2 MiB | 3 MiB/s'), {
      phase: 'Receiving objects',
      percent: 45,
    });
    assert.deepEqual(parseGitProgress('remote: Counting objects: 100% (3/3), done.'), {
      phase: 'Counting objects',
      percent: 100,
    });
    assert.equal(parseGitProgress("Cloning into 'repo'..."), null);
    assert.equal(parseGitProgress('fatal: repository not found'), null);
  });
});
