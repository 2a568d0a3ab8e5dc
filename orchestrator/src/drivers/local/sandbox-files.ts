import fs from 'node:fs';
import path from 'node:path';
import { chownTree } from '@cubicle/runner/privileges';
import { z } from 'zod';
import { ERROR_LOG_LINES, LOG_ROTATE_BYTES } from '../../tuning.js';

/** What a local sandbox leaves on disk so a restarted orchestrator can find and adopt it. */
export const SandboxRecord = z.object({
  /** The runner as the host sees it (inside a sandbox it has another pid). */
  pid: z.number().int().positive(),
  /** The process the orchestrator started: bubblewrap's outer process, or the runner itself. */
  sandboxPid: z.number().int().positive(),
  startedAt: z.string(),
});
export type SandboxRecord = z.infer<typeof SandboxRecord>;

/**
 * One repl's folder under DATA_DIR/sandboxes (docs/security.md, "Local sandboxes"):
 * `workspace/` and `state/` belong to the repl's user and are all it can write; `storage/` holds
 * the storage broker's socket (read-only inside); `sockets/` the runner's and the app's sockets
 * that the gateway connects to, which the repl never sees; the runner's log; the adoption record;
 * `uid`, the repl's own user id on this machine.
 */
export class SandboxFiles {
  readonly root: string;
  readonly workspace: string;
  readonly state: string;
  readonly log: string;
  readonly storage: string;
  readonly storageSocket: string;
  readonly sockets: string;
  readonly runnerSocket: string;
  readonly appSocket: string;
  readonly passwd: string;
  readonly group: string;
  private readonly record: string;
  private readonly uidFile: string;

  constructor(
    sandboxesDir: string,
    readonly replId: string,
  ) {
    this.root = path.join(sandboxesDir, replId);
    this.workspace = path.join(this.root, 'workspace');
    this.state = path.join(this.root, 'state');
    this.log = path.join(this.root, 'runner.log');
    this.record = path.join(this.root, 'sandbox.json');
    this.uidFile = path.join(this.root, 'uid');
    this.storage = path.join(this.root, 'storage');
    this.storageSocket = path.join(this.storage, 's3.sock');
    this.sockets = path.join(this.root, 'sockets');
    this.runnerSocket = path.join(this.sockets, 'runner.sock');
    this.appSocket = path.join(this.sockets, 'app.sock');
    this.passwd = path.join(this.root, 'passwd');
    this.group = path.join(this.root, 'group');
  }

  /**
   * Makes the folders, the repl's user the owner of what it may write and of nothing else. A
   * workspace left by an earlier user id (a changed range) is handed over without following links.
   */
  async prepare(owner: { uid: number; gid: number } | null): Promise<void> {
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    fs.chmodSync(this.root, 0o711); // the repl's user passes through to its folders, lists nothing
    for (const dir of [this.storage, this.sockets]) fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(this.storage, 0o711);
    fs.chmodSync(this.sockets, 0o700);
    for (const dir of [this.workspace, this.state]) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (owner && fs.lstatSync(dir).uid !== owner.uid) await chownTree(dir, owner.uid, owner.gid);
    }
    const uid = owner?.uid ?? process.getuid?.() ?? 0;
    const gid = owner?.gid ?? process.getgid?.() ?? 0;
    fs.writeFileSync(
      this.passwd,
      `root:x:0:0:root:/root:/usr/sbin/nologin\nrunner:x:${uid}:${gid}:Cubicle repl:/var/lib/cubicle/home:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    );
    fs.writeFileSync(this.group, `root:x:0:\nrunner:x:${gid}:\nnogroup:x:65534:\n`);
  }

  /** The log is appended to, so the reason for an unclean stop survives the next start. */
  openLog(): number {
    try {
      if (fs.statSync(this.log).size > LOG_ROTATE_BYTES) fs.renameSync(this.log, `${this.log}.1`);
    } catch {
      // no log yet
    }
    return fs.openSync(this.log, 'a', 0o600);
  }

  readUid(): number | null {
    try {
      const uid = Number(fs.readFileSync(this.uidFile, 'utf8').trim());
      return Number.isInteger(uid) && uid > 0 ? uid : null;
    } catch {
      return null;
    }
  }

  writeUid(uid: number): void {
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    fs.writeFileSync(this.uidFile, String(uid));
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
    for (const socket of [this.runnerSocket, this.appSocket]) fs.rmSync(socket, { force: true });
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
