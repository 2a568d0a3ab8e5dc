import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateReplRequest } from '@cubicle/protocol';
import { startTestS3, type TestS3 } from '@cubicle/storage/test-support/test-s3';
import { type GitServer, startGitServer } from '../test-support/git-server.js';
import { type OrchestratorHarness, startOrchestratorHarness } from '../test-support/orchestrator-harness.js';
import { importRepository, readWalkedFile, type WalkedFile, walkClone } from './git-import.js';
import { parseGitProgress } from './import-progress.js';

/** Every object under a prefix: name below it → content. */
async function objectsUnder(s3: TestS3, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await s3.store.listKeys(prefix)) {
    const chunks: Buffer[] = [];
    for await (const c of (await s3.store.get(key)).body) chunks.push(Buffer.from(c as Uint8Array));
    out.set(key.slice(prefix.length), Buffer.concat(chunks).toString('latin1'));
  }
  return out;
}

describe('importRepository (real git daemon on loopback, real S3)', () => {
  let s3: TestS3;
  let git: GitServer;
  let url: string;
  /** A folder outside every repository, as the orchestrator's DATA_DIR or /etc would be. */
  let outside: string;
  const canary = `CANARY-${randomBytes(8).toString('hex')}`;
  before(async () => {
    s3 = await startTestS3();
    git = await startGitServer();
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-import-outside-'));
    fs.mkdirSync(path.join(outside, 'keys'));
    fs.writeFileSync(path.join(outside, 'secrets.key'), canary);
    fs.writeFileSync(path.join(outside, 'keys', 'signing.pem'), canary);
    url = git.publish('p', (work) => {
      fs.mkdirSync(path.join(work, 'bin'));
      fs.writeFileSync(path.join(work, 'README.md'), '# hi\n');
      fs.writeFileSync(path.join(work, 'bin', 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
      fs.symlinkSync('/etc/passwd', path.join(work, 'passwd-link')); // a hostile repository's link to the host
    });
  });
  after(async () => {
    git.close();
    fs.rmSync(outside, { recursive: true, force: true });
    await s3.close();
  });

  it('uploads the files with their modes and the history, and never a symlink target; says how far it is', async () => {
    const progress: string[] = [];
    const result = await importRepository(url, s3.store, 'code/imported0001/', (p) =>
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
    assert.equal(result.files, keys.length);
    assert.deepEqual(result.skipped, [
      { path: 'passwd-link', reason: 'a symbolic link: an import never follows one, and storage holds files only' },
    ]);
    assert.equal(result.skippedCount, 1);
    assert.equal((await s3.store.head('code/imported0001/bin/run.sh'))?.meta.mode, '755');
  });

  it('never follows a symlink to a folder, outside the repository or inside it: the real files come once', async () => {
    const linked = git.publish('dir-links', (work) => {
      fs.mkdirSync(path.join(work, 'src', 'lib'), { recursive: true });
      fs.writeFileSync(path.join(work, 'README.md'), '# links\n');
      fs.writeFileSync(path.join(work, 'src', 'lib', 'util.js'), 'export const one = 1;\n');
      fs.symlinkSync(outside, path.join(work, 'data-link')); // absolute, like a link to DATA_DIR
      // Relative links climbing out of the clone: one of these depths reaches `outside` from the
      // orchestrator's temporary clone folder (which is below os.tmpdir() as `outside` is).
      for (let depth = 1; depth <= 5; depth++) {
        fs.symlinkSync(`${'../'.repeat(depth)}${path.basename(outside)}`, path.join(work, `escape-${depth}`));
        fs.symlinkSync(
          `${'../'.repeat(depth + 2)}${path.basename(outside)}`,
          path.join(work, 'src', 'lib', `escape-${depth}`),
        );
      }
      fs.symlinkSync('src/lib', path.join(work, 'lib-link')); // inside the repository
      fs.symlinkSync('..', path.join(work, 'src', 'parent')); // a loop
    });
    const result = await importRepository(linked, s3.store, 'code/imported0002/');
    const objects = await objectsUnder(s3, 'code/imported0002/');
    const names = [...objects.keys()];
    assert.equal(objects.get('README.md'), '# links\n', 'the import still brings the real files');
    const leaked = [...objects].filter(([, body]) => body.includes(canary)).map(([name]) => name);
    assert.deepEqual(leaked, [], 'nothing from outside the repository is uploaded');
    const underLinks = names.filter((n) => /(^|\/)(data-link|escape-\d|lib-link|parent)(\/|$)/.test(n));
    assert.deepEqual(underLinks, [], 'neither a link nor anything under it is uploaded');
    assert.deepEqual(
      names.filter((n) => n.endsWith('util.js')),
      ['src/lib/util.js'],
      'a file appears once, at its real path',
    );
    assert.ok(names.includes('.git/HEAD'));
    const depths = [1, 2, 3, 4, 5];
    assert.deepEqual(
      result.skipped.map((f) => f.path),
      [
        'data-link',
        ...depths.map((d) => `escape-${d}`),
        'lib-link',
        ...depths.map((d) => `src/lib/escape-${d}`),
        'src/parent',
      ],
      'each link is named once, as a link, and nothing under it',
    );
    assert.ok(result.skipped.every((f) => /symbolic link/.test(f.reason)));
  });

  it('leaves out a folder whose name is not UTF-8 and a path over the key limit, and imports the rest', async () => {
    const deep = Array.from({ length: 5 }, (_, i) => `${i}${'d'.repeat(210)}`); // each segment storable, over 1,024 bytes in all
    const odd = git.publish('odd-paths', (work) => {
      fs.writeFileSync(path.join(work, 'main.py'), 'print(1)\n');
      const folder = Buffer.concat([Buffer.from(`${work}/caf`), Buffer.from([0xe9]), Buffer.from('\\x')]); // Latin-1 é, a backslash
      fs.mkdirSync(folder);
      fs.writeFileSync(Buffer.concat([folder, Buffer.from('/inside.txt')]), 'x');
      fs.mkdirSync(path.join(work, ...deep), { recursive: true });
      fs.writeFileSync(path.join(work, ...deep, 'f.txt'), 'deep');
    });
    const result = await importRepository(odd, s3.store, 'code/imported0003/');
    assert.deepEqual(result.skipped, [
      { path: `${deep.join('/')}/f.txt`, reason: 'its path is too long for storage (at most 1,024 bytes)' },
      {
        path: 'caf\\xe9\\\\x',
        reason: 'its name is not valid UTF-8, which storage cannot hold: nothing in this folder was imported',
      },
    ]);
    const names = [...(await objectsUnder(s3, 'code/imported0003/')).keys()];
    assert.ok(names.includes('main.py') && names.includes('.git/HEAD'), names.join());
    assert.ok(!names.some((n) => n.startsWith('caf') || n.startsWith('0d')));
    assert.equal(result.files, names.length);
  });

  describe('a path swapped after the walk is never read', () => {
    let root: string;
    before(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-import-swap-'));
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    /** A clone-like tree `<name>/src/app.js`, walked. */
    async function walked(name: string): Promise<{ tree: string; file: WalkedFile }> {
      const tree = path.join(root, name);
      fs.mkdirSync(path.join(tree, 'src'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'src', 'app.js'), 'app\n');
      const { files } = await walkClone(tree);
      const file = files.find((f) => f.name === 'src/app.js');
      assert.ok(file);
      assert.equal((await readWalkedFile(tree, file)).toString(), 'app\n', 'an untouched file reads');
      return { tree, file };
    }
    const refused = /the clone changed while it was being imported \(at src\/app\.js\)/;

    it('the file itself swapped for a link', async () => {
      const { tree, file } = await walked('last');
      fs.rmSync(path.join(tree, 'src', 'app.js'));
      fs.symlinkSync(path.join(outside, 'secrets.key'), path.join(tree, 'src', 'app.js'));
      await assert.rejects(readWalkedFile(tree, file), refused);
    });

    it('a folder on the way swapped for a link to one with the same names', async () => {
      const { tree, file } = await walked('parent');
      fs.mkdirSync(path.join(outside, 'lookalike'), { recursive: true });
      fs.writeFileSync(path.join(outside, 'lookalike', 'app.js'), canary);
      fs.renameSync(path.join(tree, 'src'), path.join(tree, 'src-moved'));
      fs.symlinkSync(path.join(outside, 'lookalike'), path.join(tree, 'src'));
      await assert.rejects(readWalkedFile(tree, file), refused);
    });

    it('the file replaced by another file, or by a FIFO (which must not hang the read)', async () => {
      const { tree, file } = await walked('other');
      fs.writeFileSync(path.join(tree, 'other.js'), canary);
      fs.renameSync(path.join(tree, 'other.js'), path.join(tree, 'src', 'app.js'));
      await assert.rejects(readWalkedFile(tree, file), refused);
      fs.rmSync(path.join(tree, 'src', 'app.js'));
      execFileSync('mkfifo', [path.join(tree, 'src', 'app.js')]);
      await assert.rejects(readWalkedFile(tree, file), refused);
    });
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

describe('POST /api/repls { repository } (a real orchestrator over HTTP, real git daemon on loopback)', () => {
  let h: OrchestratorHarness;
  let git: GitServer;
  before(async () => {
    [h, git] = await Promise.all([startOrchestratorHarness(), startGitServer()]);
  });
  after(async () => {
    git.close();
    await h.close();
  });

  it('imports a repository with names storage cannot hold: 201, those files named with the reason, the rest there', async () => {
    const longName = `${'n'.repeat(236)}.txt`; // a 240-byte segment: over what the embedded store can keep
    const url = git.publish('odd-names', (work) => {
      fs.writeFileSync(path.join(work, 'README.md'), '# odd names\n');
      fs.writeFileSync(Buffer.concat([Buffer.from(`${work}/`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'x');
      fs.mkdirSync(path.join(work, 'docs'));
      fs.writeFileSync(path.join(work, 'docs', longName), 'long\n');
      fs.symlinkSync('/etc', path.join(work, 'etc-link'));
    });
    const r = await h.api<{ id: string; skipped: { path: string; reason: string }[]; skippedCount: number }>(
      'POST',
      '/api/repls',
      { repository: url },
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.ok(!JSON.stringify(r.body).includes(os.tmpdir()), 'no temporary path in the answer');
    assert.deepEqual(
      r.body.skipped.map((s) => s.path),
      ['\\xff\\xfe.txt', `docs/${longName}`, 'etc-link'],
    );
    const [utf8, long, link] = r.body.skipped.map((s) => s.reason);
    assert.match(utf8 ?? '', /not valid UTF-8/);
    assert.match(long ?? '', /too long/);
    assert.match(link ?? '', /symbolic link/);
    assert.equal(r.body.skippedCount, 3);
    const objects = await h.objects(r.body.id);
    assert.equal(objects.get('README.md'), '# odd names\n');
    assert.ok(objects.has('.git/HEAD'));
    assert.ok(![...objects.keys()].some((k) => k.includes('nnnnnnnn') || k.startsWith('etc-link')));
  });

  it('a failed import answers a clear error and never a temporary path', async () => {
    const r = await h.api<{ error: { code: string; message: string } }>('POST', '/api/repls', {
      repository: 'git://127.0.0.1:1/nothing-listens.git',
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'EINVAL');
    assert.match(r.body.error.message, /could not clone/);
    assert.ok(!r.body.error.message.includes(os.tmpdir()), r.body.error.message);
  });
});
