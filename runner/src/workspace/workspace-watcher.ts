import path from 'node:path';
import type { FileChange, FileChangeType } from '@cubicle/protocol';
import { type FSWatcher, watch } from 'chokidar';
import type { Logger } from '../log.js';
import { isTempFileName } from './atomic-write.js';
import { ChangeBatcher } from './change-batcher.js';

export interface WorkspaceWatcherOptions {
  root: string;
  /** Directory names ignored anywhere in the tree (e.g. node_modules, .git). */
  ignore: string[];
  windowMs: number;
  log: Logger;
  onBatch: (changes: FileChange[]) => void;
}

/**
 * Watches the whole workspace (shell-made changes included) and reports batched,
 * workspace-relative changes. Ignored directories are never descended into, so a huge
 * node_modules costs no watches.
 */
export class WorkspaceWatcher {
  private watcher: FSWatcher | null = null;
  private readonly batcher: ChangeBatcher;
  private readonly ignored: Set<string>;

  constructor(private readonly opts: WorkspaceWatcherOptions) {
    this.batcher = new ChangeBatcher(opts.windowMs, opts.onBatch);
    this.ignored = new Set(opts.ignore.map((p) => p.replace(/\/+$/, '')));
  }

  async start(): Promise<void> {
    const { root } = this.opts;
    const watcher = watch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      ignored: (p: string) => this.isIgnored(p),
    });
    for (const type of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
      watcher.on(type, (abs: string) => this.record(type, abs));
    }
    watcher.on('error', (err) => this.opts.log.warn({ err }, 'workspace watcher error'));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.watcher = watcher;
  }

  async close(): Promise<void> {
    this.batcher.dispose();
    await this.watcher?.close();
    this.watcher = null;
  }

  private isIgnored(abs: string): boolean {
    const rel = path.relative(this.opts.root, abs);
    if (rel === '' || rel.startsWith('..')) return false;
    const parts = rel.split(path.sep);
    return parts.some((p) => this.ignored.has(p)) || isTempFileName(parts[parts.length - 1] ?? '');
  }

  private record(type: FileChangeType, abs: string): void {
    const rel = path.relative(this.opts.root, abs).split(path.sep).join('/');
    if (rel === '' || rel.startsWith('..')) return;
    this.batcher.push(type, rel);
  }
}
