import { isUtf8 } from 'node:buffer';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  type FileContent,
  type FileEncoding,
  type FileEntry,
  LIST_FILES_MAX,
  type RunnerRequest,
} from '@cubicle/protocol';
import { fromFsError, RunnerError } from '../errors.js';
import { SerialQueue } from '../support/serial-queue.js';
import { createFileAtomic, isTempFileName, writeFileAtomic } from './atomic-write.js';
import { contentVersion } from './content-version.js';
import { listWorkspaceFiles } from './workspace-files.js';
import type { WorkspacePaths } from './workspace-paths.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface FileServiceOptions {
  paths: WorkspacePaths;
  maxFileBytes: number;
  /** Called after every successful change, before the ack (activity, later the sync queue). */
  onChange?: (relPath: string) => void;
}

/**
 * The runner's file operations (docs/protocol.md, "Socket.io contract": Files). Every path is confined by WorkspacePaths;
 * every write is atomic; every mutation runs through one queue so version checks hold.
 */
export class FileService {
  private readonly writes = new SerialQueue();
  private readonly paths: WorkspacePaths;
  private readonly maxFileBytes: number;
  private readonly onChange: (relPath: string) => void;
  private refusal: string | null = null;

  constructor(opts: FileServiceOptions) {
    this.paths = opts.paths;
    this.maxFileBytes = opts.maxFileBytes;
    this.onChange = opts.onChange ?? (() => {});
  }

  /** From now on every write answers EUNAVAILABLE with this reason (shutdown). */
  refuseWrites(reason: string): void {
    this.refusal = reason;
  }

  /** Resolves once every write already accepted has finished (and reported its change). */
  drain(): Promise<void> {
    return this.writes.run(async () => {});
  }

  async fetchDir({ path: input }: RunnerRequest<'fetchDir'>): Promise<{ entries: FileEntry[] }> {
    const dir = await this.paths.resolveTarget(input);
    try {
      const dirents = await fs.readdir(dir.abs, { withFileTypes: true });
      const entries: FileEntry[] = [];
      for (const d of dirents) {
        if (isTempFileName(d.name)) continue;
        const abs = path.join(dir.abs, d.name);
        const st = await fs.lstat(abs).catch(() => null);
        if (!st) continue; // removed between readdir and lstat
        entries.push({
          name: d.name,
          path: dir.rel === '' ? d.name : `${dir.rel}/${d.name}`,
          type: st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file',
          size: st.size,
          mtimeMs: Math.floor(st.mtimeMs),
        });
      }
      entries.sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || a.name.localeCompare(b.name));
      return { entries };
    } catch (err) {
      throw fromFsError(err, dir.rel);
    }
  }

  listFiles(): Promise<{ paths: string[]; truncated: boolean }> {
    return listWorkspaceFiles(this.paths.root, LIST_FILES_MAX);
  }

  async fetchContent({ path: input }: RunnerRequest<'fetchContent'>): Promise<FileContent> {
    const file = await this.paths.resolveTarget(input);
    try {
      const st = await fs.stat(file.abs);
      if (st.isDirectory()) throw new RunnerError('EINVAL', `${file.rel || '(workspace root)'} is a directory`);
      if (st.size > this.maxFileBytes) throw this.tooBig(file.rel, st.size);
      const data = await fs.readFile(file.abs);
      const encoding: FileEncoding = !data.includes(0) && isUtf8(data) ? 'utf8' : 'base64';
      return { content: data.toString(encoding), encoding, version: contentVersion(data) };
    } catch (err) {
      throw fromFsError(err, file.rel);
    }
  }

  updateContent(req: RunnerRequest<'updateContent'>): Promise<{ version: string }> {
    return this.mutate(async () => {
      const file = await this.paths.resolveTarget(req.path);
      if (file.rel === '') throw new RunnerError('EINVAL', 'the workspace root is a directory');
      const data = this.decode(req.content, req.encoding, file.rel);
      try {
        const st = await fs.stat(file.abs).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null;
          throw err;
        });
        if (st?.isDirectory()) throw new RunnerError('EINVAL', `${file.rel} is a directory`);
        if (req.baseVersion !== undefined) {
          if (!st) throw new RunnerError('ENOENT', `${file.rel} no longer exists`);
          const current = contentVersion(await fs.readFile(file.abs));
          if (current !== req.baseVersion) {
            throw new RunnerError('ECONFLICT', `${file.rel} changed on disk since it was read`, current);
          }
        }
        await fs.mkdir(path.dirname(file.abs), { recursive: true });
        await writeFileAtomic(file.abs, data, st ? st.mode & 0o7777 : undefined);
      } catch (err) {
        throw fromFsError(err, file.rel);
      }
      this.onChange(file.rel);
      return { version: contentVersion(data) };
    });
  }

  createFile(req: RunnerRequest<'createFile'>): Promise<{ version: string }> {
    return this.mutate(async () => {
      const file = await this.paths.resolveTarget(req.path);
      if (file.rel === '') throw new RunnerError('EEXIST', 'the workspace root exists');
      const data = this.decode(req.content ?? '', req.encoding, file.rel);
      try {
        await fs.mkdir(path.dirname(file.abs), { recursive: true });
        await createFileAtomic(file.abs, data);
      } catch (err) {
        throw fromFsError(err, file.rel);
      }
      this.onChange(file.rel);
      return { version: contentVersion(data) };
    });
  }

  createDir(req: RunnerRequest<'createDir'>): Promise<Record<string, never>> {
    return this.mutate(async () => {
      const dir = await this.paths.resolveTarget(req.path);
      try {
        await fs.mkdir(path.dirname(dir.abs), { recursive: true });
        await fs.mkdir(dir.abs);
      } catch (err) {
        throw fromFsError(err, dir.rel);
      }
      this.onChange(dir.rel);
      return {};
    });
  }

  rename(req: RunnerRequest<'rename'>): Promise<Record<string, never>> {
    return this.mutate(async () => {
      const from = await this.paths.resolveEntry(req.from);
      const to = await this.paths.resolveEntry(req.to);
      if (to.rel === from.rel) return {};
      if (to.rel.startsWith(`${from.rel}/`)) {
        throw new RunnerError('EINVAL', `cannot move ${from.rel} into itself`);
      }
      try {
        await fs.lstat(from.abs);
        // rename(2) silently replaces an existing file: refuse instead, nothing is overwritten.
        if (await exists(to.abs)) {
          throw new RunnerError('EEXIST', `${to.rel} already exists`);
        }
        await fs.mkdir(path.dirname(to.abs), { recursive: true });
        await fs.rename(from.abs, to.abs);
      } catch (err) {
        throw fromFsError(err, from.rel);
      }
      this.onChange(from.rel);
      this.onChange(to.rel);
      return {};
    });
  }

  delete(req: RunnerRequest<'delete'>): Promise<Record<string, never>> {
    return this.mutate(async () => {
      const entry = await this.paths.resolveEntry(req.path);
      try {
        await fs.lstat(entry.abs);
        await fs.rm(entry.abs, { recursive: true });
      } catch (err) {
        throw fromFsError(err, entry.rel);
      }
      this.onChange(entry.rel);
      return {};
    });
  }

  private mutate<T>(job: () => Promise<T>): Promise<T> {
    if (this.refusal) return Promise.reject(new RunnerError('EUNAVAILABLE', this.refusal));
    return this.writes.run(job);
  }

  private decode(content: string, encoding: FileEncoding | undefined, rel: string): Buffer {
    if (encoding === 'base64') {
      // 3 bytes per 4 characters: reject before allocating anything over the limit.
      if ((content.length / 4) * 3 > this.maxFileBytes + 2) throw this.tooBig(rel, (content.length / 4) * 3);
      if (content.length % 4 !== 0 || !BASE64.test(content)) {
        throw new RunnerError('EINVAL', `content of ${rel} is not valid base64`);
      }
      const data = Buffer.from(content, 'base64');
      if (data.length > this.maxFileBytes) throw this.tooBig(rel, data.length);
      return data;
    }
    const size = Buffer.byteLength(content, 'utf8');
    if (size > this.maxFileBytes) throw this.tooBig(rel, size);
    return Buffer.from(content, 'utf8');
  }

  private tooBig(rel: string, size: number): RunnerError {
    return new RunnerError('E2BIG', `${rel} is ${Math.round(size)} bytes; the limit is ${this.maxFileBytes}`);
  }
}

async function exists(abs: string): Promise<boolean> {
  try {
    await fs.lstat(abs);
    return true;
  } catch {
    return false;
  }
}
