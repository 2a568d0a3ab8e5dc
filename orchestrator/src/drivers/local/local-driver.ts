import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RUNNER_NODE_FLAGS } from '@cubicle/runner/tuning';
import { type S3Settings, s3SettingsToEnv } from '@cubicle/storage';
import type { Logger } from '../../log.js';
import {
  ADOPTED_PROBE_MS,
  FLUSH_TIMEOUT_S,
  KILL_MARGIN_MS,
  READY_POLL_MS,
  RUNNER_SHUTDOWN_TIMEOUT_S,
  START_TIMEOUT_MS,
} from '../../tuning.js';
import { runnerClient } from '../runner-client.js';
import {
  type SandboxDriver,
  SandboxError,
  type SandboxExitListener,
  type SandboxInfo,
  type SandboxTargets,
  type StopOutcome,
} from '../sandbox-driver.js';
import { commandLine, freePort, isAlive, signalProcess, waitForPidExit } from './process-control.js';
import { SandboxFiles } from './sandbox-files.js';

/** The `runner` executable of the workspace's runner package: the same CLI the container image runs. */
const RUNNER_CLI = (() => {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@cubicle/runner/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { bin: { runner: string } };
  return path.join(path.dirname(pkgPath), pkg.bin.runner);
})();

/** Variables a runner inherits from the orchestrator; nothing else (ORCHESTRATOR_TOKEN stays here). */
const INHERITED_ENV = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface LocalSandbox {
  replId: string;
  files: SandboxFiles;
  pid: number;
  targets: SandboxTargets;
  /** Null for a runner adopted from an earlier orchestrator (not our child: no exit event, no exit code). */
  child: ChildProcess | null;
  exited: Promise<ExitInfo>;
  markExited(info: ExitInfo): void;
  stopping: boolean;
}

export interface LocalDriverOptions {
  dataDir: string;
  s3: S3Settings;
  runnerTokenSecret: string;
  allowedOrigins: string[];
  /** A short-lived runner token for the driver's own POST /flush. */
  mintToken(replId: string): Promise<string>;
  log: Logger;
}

/**
 * Runs each repl as `runner pull` then `runner serve` child processes on this machine, with
 * its own folder under DATA_DIR/sandboxes/<id>, its own loopback ports and environment.
 * Runners are started in their own session so they outlive an orchestrator crash and a Ctrl-C
 * reaches the orchestrator alone (which then flushes and stops them); a sandbox.json beside
 * each lets the next orchestrator adopt them.
 */
export class LocalDriver implements SandboxDriver {
  private readonly sandboxes = new Map<string, LocalSandbox>();
  private readonly starting = new Set<string>();
  private readonly listeners: SandboxExitListener[] = [];
  private readonly sandboxesDir: string;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly opts: LocalDriverOptions) {
    this.sandboxesDir = path.join(opts.dataDir, 'sandboxes');
    fs.mkdirSync(this.sandboxesDir, { recursive: true, mode: 0o755 });
    fs.chmodSync(this.sandboxesDir, 0o755);
    this.watchdog = setInterval(() => this.checkAdopted(), ADOPTED_PROBE_MS);
    this.watchdog.unref();
  }

  async start(replId: string, signal: AbortSignal): Promise<SandboxTargets> {
    const existing = this.sandboxes.get(replId);
    if (existing && !existing.stopping) return existing.targets;
    const files = new SandboxFiles(this.sandboxesDir, replId);
    files.prepare();
    const [runnerPort, appPort] = [await freePort(), await freePort()];
    const env = this.runnerEnv(replId, files, runnerPort, appPort);
    const logFd = files.openLog();
    this.starting.add(replId);
    try {
      const pull = this.spawnRunner(['pull', '--allow-empty'], env, logFd);
      const pulled = await Promise.race([exitOf(pull), aborted(signal)]);
      if (!pulled) {
        signalProcess(pull.pid ?? -1, 'SIGKILL');
        throw signal.reason;
      }
      if (pulled.code !== 0) throw new SandboxError(`runner pull failed (${describeExit(pulled)})`, files.tailLog());

      const serve = this.spawnRunner(['serve'], env, logFd);
      const sb = this.track(replId, files, serve.pid ?? -1, runnerPort, appPort, serve);
      files.writeRecord({ pid: sb.pid, runnerPort, appPort, startedAt: new Date().toISOString() });
      await this.waitReady(sb, signal);
      return sb.targets;
    } finally {
      this.starting.delete(replId);
      fs.closeSync(logFd);
    }
  }

  async stop(replId: string): Promise<StopOutcome> {
    const sb = this.sandboxes.get(replId);
    if (!sb) return { saved: true, detail: 'not running' };
    return this.terminate(sb, true);
  }

  async status(replId: string): Promise<'running' | 'starting' | 'absent'> {
    if (this.starting.has(replId)) return 'starting';
    const sb = this.sandboxes.get(replId);
    if (!sb) return 'absent';
    return (await runnerClient.ready(sb.targets.runner)) ? 'running' : 'starting';
  }

  async list(): Promise<SandboxInfo[]> {
    for (const replId of SandboxFiles.listIds(this.sandboxesDir)) {
      if (this.sandboxes.has(replId)) continue;
      const files = new SandboxFiles(this.sandboxesDir, replId);
      const record = files.readRecord();
      if (!record) continue;
      const argv = commandLine(record.pid);
      if (!argv?.includes(RUNNER_CLI) || !argv.includes('serve')) {
        files.clearRecord(); // the process is gone (or the pid now belongs to something else)
        continue;
      }
      this.track(replId, files, record.pid, record.runnerPort, record.appPort, null);
      this.opts.log.info({ replId, pid: record.pid }, 'adopted a running runner');
    }
    return Promise.all(
      [...this.sandboxes.values()].map(async (sb) => ({
        replId: sb.replId,
        ready: await runnerClient.ready(sb.targets.runner),
      })),
    );
  }

  targets(replId: string): SandboxTargets | null {
    const sb = this.sandboxes.get(replId);
    return sb && !sb.stopping ? sb.targets : null;
  }

  async remove(replId: string): Promise<void> {
    const sb = this.sandboxes.get(replId);
    if (sb) await this.terminate(sb, false);
    new SandboxFiles(this.sandboxesDir, replId).removeAll();
  }

  onExit(listener: SandboxExitListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
  }

  private runnerEnv(replId: string, files: SandboxFiles, runnerPort: number, appPort: number): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const k of INHERITED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
    return {
      ...env,
      ...s3SettingsToEnv(this.opts.s3),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      REPL_ID: replId,
      RUNNER_TOKEN_SECRET: this.opts.runnerTokenSecret,
      WORKSPACE_DIR: files.workspace,
      STATE_DIR: files.state,
      HOST: '127.0.0.1',
      PORT: String(runnerPort),
      APP_PORT: String(appPort),
      ALLOWED_ORIGINS: this.opts.allowedOrigins.join(','),
      SHUTDOWN_TIMEOUT: String(RUNNER_SHUTDOWN_TIMEOUT_S),
    };
  }

  private spawnRunner(args: string[], env: NodeJS.ProcessEnv, logFd: number): ChildProcess {
    const child = spawn(process.execPath, [...RUNNER_NODE_FLAGS, RUNNER_CLI, ...args], {
      env,
      stdio: ['ignore', logFd, logFd],
      detached: true, // own session: survives us, and a terminal's Ctrl-C is ours to handle
    });
    child.unref();
    return child;
  }

  private track(
    replId: string,
    files: SandboxFiles,
    pid: number,
    runnerPort: number,
    appPort: number,
    child: ChildProcess | null,
  ): LocalSandbox {
    let markExited: (info: ExitInfo) => void = () => {};
    const exited = new Promise<ExitInfo>((resolve) => {
      markExited = resolve;
    });
    const sb: LocalSandbox = {
      replId,
      files,
      pid,
      targets: { runner: `http://127.0.0.1:${runnerPort}`, app: `http://127.0.0.1:${appPort}` },
      child,
      exited,
      markExited,
      stopping: false,
    };
    this.sandboxes.set(replId, sb);
    child?.once('exit', (code, signal) => markExited({ code, signal }));
    void exited.then((info) => this.onSandboxExit(sb, info));
    return sb;
  }

  private onSandboxExit(sb: LocalSandbox, info: ExitInfo): void {
    if (this.sandboxes.get(sb.replId) === sb) this.sandboxes.delete(sb.replId);
    if (sb.stopping) return;
    sb.files.clearRecord();
    const error = new SandboxError(`the runner stopped unexpectedly (${describeExit(info)})`, sb.files.tailLog());
    this.opts.log.warn({ replId: sb.replId, pid: sb.pid, ...info }, 'runner exited unexpectedly');
    for (const l of this.listeners) l(sb.replId, error);
  }

  private checkAdopted(): void {
    for (const sb of this.sandboxes.values()) {
      if (!sb.child && !isAlive(sb.pid)) sb.markExited({ code: null, signal: null });
    }
  }

  private async waitReady(sb: LocalSandbox, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let exit: ExitInfo | null = null;
    void sb.exited.then((info) => {
      exit = info;
    });
    for (;;) {
      if (signal.aborted) {
        await this.terminate(sb, false);
        throw signal.reason;
      }
      if (exit) throw new SandboxError(`the runner exited while starting (${describeExit(exit)})`, sb.files.tailLog());
      if (Date.now() > deadline) {
        await this.terminate(sb, false);
        throw new SandboxError(`the runner was not ready after ${START_TIMEOUT_MS / 1000} s`, sb.files.tailLog());
      }
      if (await runnerClient.ready(sb.targets.runner)) return;
      await sleep(READY_POLL_MS);
    }
  }

  /**
   * Stop = POST /flush (when asked), SIGTERM (the runner refuses writes, flushes again and
   * exits 0 only when S3 has everything), SIGKILL after its shutdown budget. The workspace
   * folder is dropped only after a stop known to be clean; otherwise it stays, and the next
   * start's pull + reconcile sends what is left.
   */
  private async terminate(sb: LocalSandbox, flushFirst: boolean): Promise<StopOutcome> {
    sb.stopping = true;
    let flush = { ok: false, detail: 'not flushed' };
    if (flushFirst) {
      flush = await runnerClient.flush(sb.targets.runner, await this.opts.mintToken(sb.replId), FLUSH_TIMEOUT_S);
    }
    signalProcess(sb.pid, 'SIGTERM');
    const budget = RUNNER_SHUTDOWN_TIMEOUT_S * 1000 + KILL_MARGIN_MS;
    const gone = sb.child
      ? await Promise.race([sb.exited.then(() => true), sleep(budget, false)])
      : await waitForPidExit(sb.pid, budget);
    if (!gone) {
      this.opts.log.warn({ replId: sb.replId, pid: sb.pid }, 'runner ignored SIGTERM; killing it');
      signalProcess(sb.pid, 'SIGKILL');
      if (!sb.child) await waitForPidExit(sb.pid, KILL_MARGIN_MS);
    }
    const info: ExitInfo = sb.child ? await sb.exited : { code: null, signal: null };
    sb.markExited(info);
    if (this.sandboxes.get(sb.replId) === sb) this.sandboxes.delete(sb.replId);
    sb.files.clearRecord();
    // A child tells us how its shutdown flush went; an adopted runner only through /flush.
    const saved = gone && (sb.child ? info.code === 0 : flush.ok);
    if (saved) sb.files.dropWorkspace();
    const detail = saved
      ? 'stopped; every change is in object storage'
      : `stopped, but changes may not have reached object storage (${sb.child ? describeExit(info) : flush.detail}); they stay on this machine and are uploaded on the next start`;
    this.opts.log.info({ replId: sb.replId, saved, ...info }, 'runner stopped');
    return { saved, detail };
  }
}

function exitOf(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

function aborted(signal: AbortSignal): Promise<null> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(null);
    else signal.addEventListener('abort', () => resolve(null), { once: true });
  });
}

function describeExit(info: ExitInfo): string {
  if (info.signal) return `killed by ${info.signal}`;
  if (info.code === null) return 'process gone';
  return `exit code ${info.code}`;
}
