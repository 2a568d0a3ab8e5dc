import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from '@cubicle/storage';
import { IN_MEMORY_TRANSFER_BYTES } from '../tuning.js';
import { tempPathFor } from '../workspace/atomic-write.js';
import type { BaseEntry } from './sync-journal.js';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

export async function md5OfFile(abs: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Uploads one workspace file with its mode and MD5 in the object's metadata. The entry returned
 * describes the file as it was stat'ed before reading; if it changed meanwhile, the watcher has
 * already queued it again.
 */
export async function uploadFile(store: ObjectStore, key: string, abs: string): Promise<BaseEntry> {
  const st = await fs.stat(abs);
  const mode = st.mode & 0o7777;
  const meta = (sum: string) => ({ mode: mode.toString(8), md5: sum });
  if (st.size <= IN_MEMORY_TRANSFER_BYTES) {
    const data = await fs.readFile(abs);
    const sum = md5(data);
    const etag = await store.put(key, data, data.length, meta(sum));
    return { etag, md5: sum, size: data.length, mtimeMs: st.mtimeMs, mode };
  }
  const sum = await md5OfFile(abs);
  const etag = await store.put(key, createReadStream(abs), st.size, meta(sum));
  return { etag, md5: sum, size: st.size, mtimeMs: st.mtimeMs, mode };
}

export async function uploadDirMarker(store: ObjectStore, key: string, mode: number): Promise<BaseEntry> {
  const empty = Buffer.alloc(0);
  const etag = await store.put(key, empty, 0, { mode: mode.toString(8) });
  return { etag, md5: md5(empty), size: 0, mtimeMs: 0, mode };
}

/**
 * Downloads an object over `abs` atomically (temp file beside it, then rename), restoring its mode
 * from metadata. Parent directories are created. Small objects are buffered and written in one go
 * (pull of many small files is bound by per-file work); large ones stream through a hash.
 */
export async function downloadFile(store: ObjectStore, key: string, abs: string): Promise<BaseEntry> {
  const obj = await store.get(key);
  await fs.mkdir(path.dirname(abs), { recursive: true });
  const tmp = tempPathFor(abs);
  const mode = parseMode(obj.meta.mode, 0o644);
  try {
    let sum: string;
    if (obj.size <= IN_MEMORY_TRANSFER_BYTES) {
      const data = await readBody(obj.body);
      sum = md5(data);
      await fs.writeFile(tmp, data, { flag: 'wx', mode });
    } else {
      const hash = createHash('md5');
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(obj.body, hashing, createWriteStream(tmp, { flags: 'wx', mode }));
      sum = hash.digest('hex');
    }
    let st = await fs.stat(tmp);
    if ((st.mode & 0o7777) !== mode) {
      await fs.chmod(tmp, mode); // the create mode is filtered by the umask
      st = await fs.stat(tmp);
    }
    await fs.rename(tmp, abs); // keeps the mtime recorded below
    return { etag: obj.etag, md5: sum, size: st.size, mtimeMs: st.mtimeMs, mode };
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** A whole object body in memory. */
export async function readBody(body: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function parseMode(text: string | undefined, fallback: number): number {
  const mode = text !== undefined && /^[0-7]{1,4}$/.test(text) ? Number.parseInt(text, 8) : Number.NaN;
  return Number.isNaN(mode) ? fallback : mode & 0o7777;
}
