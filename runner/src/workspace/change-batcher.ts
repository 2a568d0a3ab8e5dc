import type { FileChange, FileChangeType } from '@cubicle/protocol';

/**
 * Collects file changes for one window and hands them over as one batch. Within a batch each
 * path appears once, with the event that tells a client what it must do: a file that was added
 * and then changed is still an "add"; anything else keeps its latest event.
 */
export class ChangeBatcher {
  private pending = new Map<string, FileChangeType>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly flush: (changes: FileChange[]) => void,
  ) {}

  push(type: FileChangeType, path: string): void {
    const previous = this.pending.get(path);
    this.pending.delete(path); // re-insert so the batch keeps the order of latest events
    this.pending.set(path, previous === 'add' && type === 'change' ? 'add' : type);
    this.timer ??= setTimeout(() => this.drain(), this.windowMs);
  }

  /** Hands over whatever is pending now. */
  drain(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const changes = [...this.pending].map(([path, type]) => ({ type, path }));
    this.pending = new Map();
    this.flush(changes);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}
