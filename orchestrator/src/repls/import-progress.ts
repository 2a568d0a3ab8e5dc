import type { ImportProgress } from '@cubicle/protocol';
import { IMPORT_PROGRESS_KEEP_MS } from '../tuning.js';

/**
 * How far each running import is, by the id its client chose: the home page polls it while the
 * create request is pending. A finished import is kept a little while (its last poll), then forgotten.
 */
export class ImportProgressBoard {
  private readonly entries = new Map<string, ImportProgress>();

  report(id: string | undefined, progress: Omit<ImportProgress, 'done'>): void {
    if (id) this.entries.set(id, { ...progress, done: false });
  }

  finish(id: string | undefined, phase: string): void {
    if (!id) return;
    this.entries.set(id, { phase, percent: 100, done: true });
    setTimeout(() => this.entries.delete(id), IMPORT_PROGRESS_KEEP_MS).unref();
  }

  get(id: string): ImportProgress | undefined {
    return this.entries.get(id);
  }
}

/** git's progress lines ("Receiving objects:  45% (90/200)"), as a phase and a percentage. */
export function parseGitProgress(line: string): Omit<ImportProgress, 'done'> | null {
  const m = /^(?:remote: )?([A-Z][a-z]+(?: [a-z]+)*):\s+(\d{1,3})%/.exec(line.trim());
  return m?.[1] && m[2] ? { phase: m[1], percent: Math.min(100, Number(m[2])) } : null;
}
