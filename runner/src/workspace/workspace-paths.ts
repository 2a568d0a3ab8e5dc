import fs from 'node:fs/promises';
import path from 'node:path';
import { RunnerError } from '../errors.js';

export interface ResolvedPath {
  /** Normalised POSIX path relative to the root, "" for the root itself. */
  rel: string;
  /** Absolute host path. */
  abs: string;
}

/**
 * Confines client paths to the workspace. Lexical rules first (no absolute paths, no "..",
 * no NUL), then the real location of the nearest existing ancestor, so that a symlink pointing
 * outside cannot be used to read or write there. A symlink itself may still be listed,
 * renamed or deleted: that touches only the link.
 */
export class WorkspacePaths {
  private constructor(
    readonly root: string,
    private readonly realRoot: string,
  ) {}

  static async open(root: string): Promise<WorkspacePaths> {
    return new WorkspacePaths(root, await fs.realpath(root));
  }

  /** Lexical check only: shape of the path, no file-system access. */
  normalize(input: string): ResolvedPath {
    if (input.includes('\0')) throw new RunnerError('EACCES', 'path contains a NUL byte');
    if (input.startsWith('/')) throw new RunnerError('EACCES', 'absolute paths are outside the workspace');
    const parts = input.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) throw new RunnerError('EACCES', '".." leaves the workspace');
    const rel = parts.join('/');
    return { rel, abs: rel === '' ? this.root : path.join(this.root, ...parts) };
  }

  /**
   * For operations on a path's content (read, write, list): the path, and everything it
   * resolves through, must stay inside the workspace.
   */
  async resolveTarget(input: string): Promise<ResolvedPath> {
    const p = this.normalize(input);
    await this.assertInside(p.abs, p.rel);
    return p;
  }

  /** For operations on the entry itself (rename, delete): only its parent must resolve inside. */
  async resolveEntry(input: string): Promise<ResolvedPath> {
    const p = this.normalize(input);
    if (p.rel === '') throw new RunnerError('EACCES', 'the workspace root cannot be renamed or deleted');
    await this.assertInside(path.dirname(p.abs), p.rel);
    return p;
  }

  /** Walks up to the nearest existing ancestor and checks where it really is. */
  private async assertInside(abs: string, rel: string): Promise<void> {
    let probe = abs;
    for (;;) {
      try {
        const real = await fs.realpath(probe);
        if (!this.containsReal(real)) {
          throw new RunnerError('EACCES', `${rel || '(workspace root)'} resolves outside the workspace`);
        }
        return;
      } catch (err) {
        if (err instanceof RunnerError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ENOENT' && code !== 'ENOTDIR') || probe === this.root) throw err;
        // A dangling symlink must not be written through: refuse if the leaf is a link.
        const link = await fs.lstat(probe).catch(() => null);
        if (link?.isSymbolicLink()) {
          const target = path.resolve(path.dirname(probe), await fs.readlink(probe));
          if (!this.containsReal(target)) {
            throw new RunnerError('EACCES', `${rel} is a link that points outside the workspace`);
          }
        }
        probe = path.dirname(probe);
      }
    }
  }

  private containsReal(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.realRoot + path.sep);
  }

  /** Workspace-relative POSIX path of an absolute path known to be inside. */
  relative(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join('/');
  }
}
