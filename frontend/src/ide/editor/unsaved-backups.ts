/**
 * Unsaved editor text kept in the browser (localStorage) while a page goes away: a reload, a
 * closed window or a lost connection can outrun the save that was sent. The next time the file
 * opens, its backup is compared with the disk and either saved or offered as a conflict.
 */
export interface UnsavedBackup {
  /** The disk version the text was edited from; null when the file had been deleted. */
  baseVersion: string | null;
  text: string;
}

export class UnsavedBackups {
  constructor(
    private readonly replId: string,
    private readonly storage: Storage | null = globalThis.localStorage ?? null,
  ) {}

  /** False when the browser refused to keep it (storage full or disabled): the caller must ask. */
  put(path: string, backup: UnsavedBackup): boolean {
    try {
      this.storage?.setItem(this.key(path), JSON.stringify(backup));
      return this.storage !== null;
    } catch {
      return false;
    }
  }

  get(path: string): UnsavedBackup | null {
    try {
      const raw = this.storage?.getItem(this.key(path));
      if (!raw) return null;
      const value = JSON.parse(raw) as Partial<UnsavedBackup>;
      if (typeof value.text !== 'string') return null;
      return { text: value.text, baseVersion: typeof value.baseVersion === 'string' ? value.baseVersion : null };
    } catch {
      return null;
    }
  }

  remove(path: string): void {
    try {
      this.storage?.removeItem(this.key(path));
    } catch {
      // storage unavailable: nothing was kept either
    }
  }

  private key(path: string): string {
    return `cubicle:unsaved:${this.replId}:${path}`;
  }
}
