/** Paths whose changes never restart the app: the repository's internals, dependencies, caches. */
const NEVER = /(^|\/)(\.git|node_modules|\.cache|__pycache__)(\/|$)/;

export interface RestartOnSaveOptions {
  /** Quiet time after the last change: a save of ten files is one restart. */
  debounceMs: number;
  /** Whether cubicle.json asks for it (read at each change: the file can change at any time). */
  enabled(): boolean;
  /** Whether the app is up (a stopped app stays stopped: restart-on-save is not Run). */
  appUp(): boolean;
  /** Paths storage ignores (sync-ignore) do not count either: build output must not loop. */
  ignored(rel: string): boolean;
  restart(): Promise<void>;
}

/**
 * cubicle.json's `restartOnSave`: the Run button's app restarts once the workspace's files
 * stop changing, as nodemon would, so the preview shows every saved change.
 */
export class RestartOnSave {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: RestartOnSaveOptions) {}

  changed(rel: string): void {
    if (rel === '' || rel === 'cubicle.json' || NEVER.test(rel) || this.opts.ignored(rel)) return;
    if (!this.opts.enabled()) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.opts.enabled() && this.opts.appUp()) void this.opts.restart().catch(() => undefined);
    }, this.opts.debounceMs);
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
