import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { basePrefix } from '@cubicle/protocol';
import { forEachLimit, type ObjectStore } from '@cubicle/storage';
import type { Logger } from '../log.js';
import type { TemplateCatalog } from './template-catalog.js';

interface LocalFile {
  name: string;
  body: Buffer;
  md5: string;
  mode: string;
}

async function readTemplate(folder: string): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  for (const rel of await fs.readdir(folder, { recursive: true })) {
    const full = path.join(folder, rel);
    const stat = await fs.stat(full);
    if (!stat.isFile()) continue;
    const body = await fs.readFile(full);
    files.push({
      name: rel.split(path.sep).join('/'),
      body,
      md5: createHash('md5').update(body).digest('hex'),
      mode: (stat.mode & 0o777).toString(8),
    });
  }
  return files;
}

/**
 * Makes `base/<template>/` in object storage equal to each template folder: uploads what is
 * missing or changed (compared by MD5, which is the ETag of a single-part object), deletes
 * what the folder no longer has. Run at start-up; unchanged templates cost one listing.
 */
export async function publishTemplates(catalog: TemplateCatalog, store: ObjectStore, log: Logger): Promise<void> {
  for (const t of catalog.list()) {
    const prefix = basePrefix(t.name);
    const local = await readTemplate(catalog.folder(t.name));
    const remote = new Map<string, string>();
    for await (const o of store.list(prefix)) remote.set(o.key.slice(prefix.length), o.etag);
    const changed = local.filter((f) => remote.get(f.name) !== f.md5);
    const gone = [...remote.keys()].filter((name) => !local.some((f) => f.name === name));
    await forEachLimit(changed, 8, (f) =>
      store.put(prefix + f.name, f.body, f.body.length, { mode: f.mode, md5: f.md5 }).then(() => {}),
    );
    await store.deleteKeys(gone.map((name) => prefix + name));
    if (changed.length || gone.length) {
      log.info({ template: t.name, uploaded: changed.length, deleted: gone.length }, 'template published');
    }
  }
}
