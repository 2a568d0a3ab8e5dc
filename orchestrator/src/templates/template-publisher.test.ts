import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type S3Harness, startS3 } from '@cubicle/runner/test-support/s3-harness';
import type { ObjectStore } from '@cubicle/storage';
import { createLogger } from '../log.js';
import { TemplateCatalog } from './template-catalog.js';
import { publishTemplates } from './template-publisher.js';

let dir: string;
let s3: S3Harness;
let store: ObjectStore;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-templates-test-'));
  s3 = await startS3();
  store = s3.store;
});
after(async () => {
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function base(name: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const o of store.list(`base/${name}/`)) out.set(o.key.slice(`base/${name}/`.length), o.etag);
  return out;
}

test('templates are published when missing or changed, and files removed from a folder go too', async () => {
  const templates = path.join(dir, 'templates');
  fs.mkdirSync(path.join(templates, 'demo', 'src'), { recursive: true });
  fs.writeFileSync(
    path.join(templates, 'templates.json'),
    JSON.stringify([{ name: 'demo', title: 'Demo', description: 'test' }]),
  );
  fs.writeFileSync(path.join(templates, 'demo', 'cubicle.json'), '{"run":"./run.sh"}');
  fs.writeFileSync(path.join(templates, 'demo', 'run.sh'), 'echo hi\n', { mode: 0o755 });
  fs.writeFileSync(path.join(templates, 'demo', 'src', 'old.txt'), 'old');
  const log = createLogger('silent');

  await publishTemplates(TemplateCatalog.load(templates), store, log);
  const first = await base('demo');
  assert.deepEqual([...first.keys()].sort(), ['cubicle.json', 'run.sh', 'src/old.txt']);
  assert.equal((await store.head('base/demo/run.sh'))?.meta.mode, '755');

  await publishTemplates(TemplateCatalog.load(templates), store, log);
  assert.deepEqual(await base('demo'), first, 'unchanged: nothing rewritten');

  fs.writeFileSync(path.join(templates, 'demo', 'run.sh'), 'echo changed\n');
  fs.rmSync(path.join(templates, 'demo', 'src', 'old.txt'));
  await publishTemplates(TemplateCatalog.load(templates), store, log);
  const third = await base('demo');
  assert.deepEqual([...third.keys()].sort(), ['cubicle.json', 'run.sh']);
  assert.notEqual(third.get('run.sh'), first.get('run.sh'));
  assert.equal(third.get('cubicle.json'), first.get('cubicle.json'));
});

test('a catalog entry without its folder is a clear start-up error', () => {
  const templates = path.join(dir, 'broken');
  fs.mkdirSync(templates, { recursive: true });
  fs.writeFileSync(
    path.join(templates, 'templates.json'),
    JSON.stringify([{ name: 'ghost', title: 'G', description: '' }]),
  );
  assert.throws(() => TemplateCatalog.load(templates), /template "ghost" has no folder/);
});
