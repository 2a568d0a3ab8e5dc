import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { S3Settings } from '../s3-settings.js';

/**
 * s3rver's key id, and its well-known default secret. The secret is public (it is in s3rver's
 * documentation), so a store that holds anything gets a secret of its own (`secretAccessKey`),
 * which the server's signature check demands.
 */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
/** How the server process is told its secret (an environment variable: never on a command line). */
export const EMBEDDED_S3_SECRET_ENV = 'EMBEDDED_S3_SECRET_ACCESS_KEY';

const SERVER_ENTRY = fileURLToPath(new URL('./embedded-s3-server.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
/** Restarts after a crash back off from the first to the last delay, so a crash loop costs little. */
const RESTART_DELAYS_MS = [100, 500, 2_000, 5_000] as const;

/** What a supervised server reports: its owner logs these and answers /readyz from `running`. */
export type EmbeddedS3Event =
  | { type: 'crashed'; code: number | null; signal: string | null; stderr: string }
  | { type: 'restarted'; attempt: number }
  | { type: 'restartFailed'; attempt: number; error: Error };

export interface EmbeddedS3Options {
  /** Where objects live on disk; survives restarts of the server. */
  directory: string;
  /** 0 picks a free port; restart() reuses whatever was picked. */
  port?: number;
  buckets?: string[];
  /** The secret every request must be signed with; default EMBEDDED_S3_CREDENTIALS' public one. */
  secretAccessKey?: string;
  /** Restart it whenever it dies on its own (the orchestrator's store); events say what happened. */
  supervise?: (event: EmbeddedS3Event) => void;
}

/** The embedded S3 server as a child process: start, stop, restart on the same port and data. */
export class EmbeddedS3 {
  private child: ChildProcess | null = null;
  private port: number;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: EmbeddedS3Options) {
    this.port = opts.port ?? 0;
  }

  static async start(opts: EmbeddedS3Options): Promise<EmbeddedS3> {
    const s3 = new EmbeddedS3(opts);
    await s3.launch();
    return s3;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** The server's process id while it runs (for diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Client settings for one of its buckets. */
  settings(bucket = this.opts.buckets?.[0] ?? 'cubicle'): S3Settings {
    return {
      endpoint: this.endpoint,
      region: 'us-east-1',
      bucket,
      credentials: {
        accessKeyId: EMBEDDED_S3_CREDENTIALS.accessKeyId,
        secretAccessKey: this.opts.secretAccessKey ?? EMBEDDED_S3_CREDENTIALS.secretAccessKey,
      },
      forcePathStyle: true,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    this.stopped = false;
    await this.launch();
  }

  /** The server died on its own: say so, then relaunch on the same port and data until it stays up. */
  private crashed(child: ChildProcess, stderr: string): void {
    const report = this.opts.supervise;
    if (!report || this.stopped) return;
    report({ type: 'crashed', code: child.exitCode, signal: child.signalCode, stderr: stderr.slice(-2000) });
    const attempt = (n: number) => {
      const delay = RESTART_DELAYS_MS[Math.min(n - 1, RESTART_DELAYS_MS.length - 1)];
      this.restartTimer = setTimeout(() => {
        if (this.stopped) return;
        this.launch().then(
          () => report({ type: 'restarted', attempt: n }),
          (error: Error) => {
            report({ type: 'restartFailed', attempt: n, error });
            attempt(n + 1);
          },
        );
      }, delay);
    };
    attempt(1);
  }

  private launch(): Promise<void> {
    const args = ['--openssl-legacy-provider', SERVER_ENTRY, '--port', String(this.port), '--dir', this.opts.directory];
    for (const b of this.opts.buckets ?? ['cubicle']) args.push('--bucket', b);
    args.push('--exit-with-parent');
    // Its own process group: a Ctrl-C in the terminal must not stop storage before the
    // runners have flushed to it; its owner stops it last (or it exits when the owner dies).
    const env = { ...process.env, [EMBEDDED_S3_SECRET_ENV]: this.settings().credentials?.secretAccessKey ?? '' };
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env });
    return new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(
        () => fail(new Error(`embedded S3 did not start in ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      const fail = (e: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(e);
      };
      child.stderr?.on('data', (d: Buffer) => {
        err = (err + d.toString()).slice(-4000); // the last words are the useful ones
      });
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"listening"'));
        if (!line) return;
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        this.port = Number(new URL((JSON.parse(line) as { endpoint: string }).endpoint).port);
        this.child = child;
        resolve();
      });
      child.once('exit', (code) => {
        const wasUp = this.child === child;
        if (wasUp) {
          this.child = null;
          this.crashed(child, err);
        } else {
          fail(new Error(`embedded S3 exited with ${code}: ${err.trim()}`));
        }
      });
    });
  }
}
