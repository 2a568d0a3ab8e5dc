import type { FileEntry } from '@cubicle/protocol';
import { useState } from 'react';
import { describeError } from '../../api/error-messages';
import { formatBytes } from '../../app/format';
import type { RunnerConnection } from '../../runner/runner-connection';
import { fileToBase64 } from './upload';
import { isWithin, joinPath, parentOf } from './workspace-path';

export interface TreeActionDeps {
  connection: RunnerConnection;
  toggle(path: string, open?: boolean): void;
  setFocused(path: string): void;
  onOpen(path: string, entry: FileEntry): void;
  onMoved(from: string, to: string): void;
  onDeleted(path: string): void;
}

/** What the tree does to the workspace: create, move, upload, delete; a failure becomes the tree's one error line. */
export function useTreeActions(d: TreeActionDeps) {
  const [error, setError] = useState<string | null>(null);

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const create = (dir: string, type: 'file' | 'dir', name: string) =>
    run(async () => {
      const path = joinPath(dir, name);
      // `src/app.js` typed at the root: the runner makes `src`; the tree opens it to show the file.
      for (let folder = parentOf(path); folder && folder !== dir; folder = parentOf(folder)) d.toggle(folder, true);
      if (type === 'file') {
        await d.connection.request('createFile', { path });
        d.onOpen(path, { name, path, type: 'file', size: 0, mtimeMs: Date.now() });
      } else {
        await d.connection.request('createDir', { path });
      }
      d.setFocused(path);
    });

  const move = (from: string, to: string) =>
    run(async () => {
      if (from === to) return;
      if (isWithin(to, from)) throw new Error('A folder cannot be moved into itself.');
      await d.connection.request('rename', { from, to });
      d.onMoved(from, to);
      if (parentOf(to)) d.toggle(parentOf(to), true); // reveal where it went
      d.setFocused(to);
    });

  const upload = (dir: string, files: FileList) =>
    run(async () => {
      if (dir) d.toggle(dir, true);
      for (const file of Array.from(files)) {
        // The runner says its limit at each connection; saying so before reading the file spares the upload.
        const max = d.connection.limits.maxFileBytes;
        if (file.size > max) throw new Error(`${file.name} is over this repl's ${formatBytes(max)} file limit.`);
        const content = await fileToBase64(file);
        await d.connection.request('createFile', { path: joinPath(dir, file.name), content, encoding: 'base64' });
      }
    });

  const remove = (entry: FileEntry) =>
    run(async () => {
      await d.connection.request('delete', { path: entry.path });
      d.onDeleted(entry.path);
    });

  return { error, clearError: () => setError(null), create, move, upload, remove };
}
