import fs from 'node:fs';
import path from 'node:path';
import { JOURNAL_COMPACT_SLACK_LINES } from '../tuning.js';
import { pathOf } from './object-names.js';

/** What S3 held for a name after our last sync of it: the base of the three-way reconcile. */
export interface BaseEntry {
  etag: string;
  md5: string;
  size: number;
  mtimeMs: number;
  mode: number;
}

/** Whether a file's stat still matches its base entry (size, mtime and mode: a cheap "unchanged"). */
export function matchesBase(base: BaseEntry | undefined, st: { size: number; mtimeMs: number; mode: number }): boolean {
  return !!base && base.size === st.size && base.mtimeMs === st.mtimeMs && base.mode === (st.mode & 0o7777);
}

/** The base entry of a directory marker seen in S3: markers carry no content, only existence. */
export function dirBaseEntry(etag: string): BaseEntry {
  return { etag, md5: '', size: 0, mtimeMs: 0, mode: 0o755 };
}

type Line =
  | { d: string } // dirty: changed locally, not yet known to be in S3
  | { c: string } // clean: the path's pending work is done
  | { g: string } // gone: neither side has the name any more
  | ({ s: string } & BaseEntry); // synced: S3 holds exactly this for the name

/**
 * The sync state that must survive a crash, kept in STATE_DIR (outside the workspace): which names
 * still have pending work, and what S3 held after each name's last sync. An append-only JSON-lines
 * log: every record is one write(2) before the operation it guards is acknowledged, so a SIGKILL
 * loses nothing the kernel accepted. Rewritten as a snapshot when the history outgrows the state.
 *
 * Base names are workspace-relative with `/` separators, directory markers ending in `/`. Dirty
 * entries are paths (no trailing `/`): a dirty path covers its own name and everything under it.
 */
export class SyncJournal {
  readonly base = new Map<string, BaseEntry>();
  readonly dirty = new Set<string>();
  private fd: number;
  private lines = 0;

  private constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.replay();
    this.fd = this.compact();
  }

  static open(stateDir: string): SyncJournal {
    return new SyncJournal(path.join(stateDir, 'sync-journal.jsonl'));
  }

  markDirty(path: string): void {
    if (this.dirty.has(path)) return;
    this.dirty.add(path);
    this.append({ d: path });
  }

  /** Whether a name has pending local work: itself or an ancestor directory was marked dirty. */
  isDirty(name: string): boolean {
    const parts = pathOf(name).split('/');
    for (let i = 1; i <= parts.length; i++) if (this.dirty.has(parts.slice(0, i).join('/'))) return true;
    return false;
  }

  /** S3 now holds this for `name`. Pending work on the path stays until recordClean. */
  recordSynced(name: string, entry: BaseEntry): void {
    this.base.set(name, entry);
    this.append({ s: name, ...entry });
  }

  recordClean(path: string): void {
    if (!this.dirty.delete(path)) return;
    this.append({ c: path });
  }

  /** Neither side has `name` any more. */
  recordGone(name: string): void {
    if (this.base.delete(name)) this.append({ g: name });
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private append(line: Line): void {
    fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
    if (++this.lines > 2 * (this.base.size + this.dirty.size) + JOURNAL_COMPACT_SLACK_LINES) {
      fs.closeSync(this.fd);
      this.fd = this.compact();
    }
  }

  private replay(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // a torn last line from a crash mid-write: the write it guarded was never acknowledged
      }
      if ('d' in line) this.dirty.add(line.d);
      else if ('c' in line) this.dirty.delete(line.c);
      else if ('g' in line) this.base.delete(line.g);
      else if ('s' in line) {
        const { s, ...entry } = line;
        this.base.set(s, entry);
      }
    }
  }

  /** Writes the current state as a fresh log (temp + fsync + rename) and returns its append fd. */
  private compact(): number {
    const tmp = `${this.file}.tmp`;
    const out: string[] = [];
    for (const [s, entry] of this.base) out.push(JSON.stringify({ s, ...entry }));
    for (const d of this.dirty) out.push(JSON.stringify({ d }));
    const fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, out.length ? `${out.join('\n')}\n` : '');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    this.lines = out.length;
    return fs.openSync(this.file, 'a');
  }
}
