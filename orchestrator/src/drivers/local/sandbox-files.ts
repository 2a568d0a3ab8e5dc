import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ERROR_LOG_LINES } from '../../tuning.js';

/** What a local sandbox leaves on disk so a restarted orchestrator can find and adopt it. */
export const SandboxRecord = z.object({
  pid: z.number().int().positive(),
  runnerPort: z.number().int().positive(),
  appPort: z.number().int().positive(),
  startedAt: z.string(),
});
export type SandboxRecord = z.infer<typeof SandboxRecord>;

/** One repl's folder under DATA_DIR/sandboxes: workspace, runner state, log, record. */
export class SandboxFiles {
  readonly root: string;
  readonly workspace: string;
  readonly state: string;
  readonly log: string;
  private readonly record: string;

  constructor(
    sandboxesDir: string,
    readonly replId: string,
  ) {
    this.root = path.join(sandboxesDir, replId);
    this.workspace = path.join(this.root, 'workspace');
    this.state = path.join(this.root, 'state');
    this.log = path.join(this.root, 'runner.log');
    this.record = path.join(this.root, 'sandbox.json');
  }

  prepare(): void {
    // 0755 on the way down: a runner started as root drops to uid 1000 and must still reach its folders.
    fs.mkdirSync(this.root, { recursive: true, mode: 0o755 });
    fs.chmodSync(this.root, 0o755);
    fs.mkdirSync(this.workspace, { recursive: true });
    fs.mkdirSync(this.state, { recursive: true });
  }

  openLog(): number {
    return fs.openSync(this.log, 'w');
  }

  writeRecord(r: SandboxRecord): void {
    const tmp = `${this.record}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(r));
    fs.renameSync(tmp, this.record);
  }

  readRecord(): SandboxRecord | null {
    try {
      const parsed = SandboxRecord.safeParse(JSON.parse(fs.readFileSync(this.record, 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  clearRecord(): void {
    fs.rmSync(this.record, { force: true });
  }

  /** After a clean stop everything is in S3: the workspace and its sync state are dropped. */
  dropWorkspace(): void {
    fs.rmSync(this.workspace, { recursive: true, force: true });
    fs.rmSync(this.state, { recursive: true, force: true });
  }

  removeAll(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  /** The log's last lines (from its last 64 KB), each cut to 500 characters. */
  tailLog(lines = ERROR_LOG_LINES): string[] {
    try {
      const fd = fs.openSync(this.log, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const length = Math.min(size, 64 * 1024);
        const buf = Buffer.alloc(length);
        fs.readSync(fd, buf, 0, length, size - length);
        return buf
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .slice(-lines)
          .map((l) => l.slice(0, 500));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return [];
    }
  }

  static listIds(sandboxesDir: string): string[] {
    try {
      return fs.readdirSync(sandboxesDir);
    } catch {
      return [];
    }
  }
}
