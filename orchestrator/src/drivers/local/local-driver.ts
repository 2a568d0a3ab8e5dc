import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunnerKeySet } from '@cubicle/protocol';
import { RUNNER_NODE_FLAGS, RUNNER_PROCESS_ENV } from '@cubicle/runner/tuning';
import { type S3Settings, StorageBroker, s3SettingsToEnv } from '@cubicle/storage';
import type { Logger } from '../../log.js';
import {
  ADOPTED_PROBE_MS,
  FLUSH_TIMEOUT_S,
  KILL_MARGIN_MS,
  READY_POLL_MS,
  RUNNER_SHUTDOWN_TIMEOUT_S,
  SANDBOX_KILL_MS,
  START_TIMEOUT_MS,
} from '../../tuning.js';
import { releaseEndpoint, unixEndpoint } from '../endpoint.js';
import { runnerClient } from '../runner-client.js';
import {
  type SandboxDriver,
  SandboxError,
  type SandboxExitListener,
  type SandboxInfo,
  type SandboxTargets,
  type StopOutcome,
} from '../sandbox-driver.js';
import {
  commandLine,
  findDescendant,
  freePort,
  isAlive,
  killPidNamespace,
  killUid,
  pidNamespaceBelow,
  pidNamespaceOf,
  processesInPidNamespace,
  processesOfUid,
  signalProcess,
  waitForPidExit,
} from './process-control.js';
import { RUNNER_KEYS_FILE_NAME, SANDBOX_PATHS, sandboxArgs, seccompFd, sendSeccompFilter } from './sandbox-command.js';
import { SandboxFiles } from './sandbox-files.js';
import { type ReplLimits, SandboxLimits } from './sandbox-limits.js';
import { detectIsolation, type Isolation } from './sandbox-support.js';
import type { UidRange } from './uid-range-choice.js';
import { claimUidRange } from './uid-range-registry.js';

/** The `runner` executable of the workspace's runner package: the same CLI the container image runs. */
const RUNNER_CLI = (() => {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@cubicle/runner/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { bin: { runner: string } };
  return path.join(path.dirname(pkgPath), pkg.bin.runner);
})();

/** Variables a runner inherits from the orchestrator; nothing else (ORCHESTRATOR_TOKEN stays here). */
const INHERITED_ENV = ['PATH', 'LANG', 'LC_ALL', 'TZ'];

/** Where the workspace's code lives: read-only in every sandbox, so the runner can start. */
const INSTALL_ROOT = path.resolve(path.dirname(RUNNER_CLI), '..', '..');

/** Joins the cgroups named before `--`, then runs the rest (so nothing forks before it is limited). */
const JOIN_CGROUPS = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface LocalSandbox {
  replId: string;
  files: SandboxFiles;
  /** The runner, as the host sees it (0 until found). */
  pid: number;
  /** What we started: bubblewrap's outer process (its death ends the sandbox), or the runner itself. */
  sandboxPid: number;
  uid: number | null;
  /** The sandbox's own PID namespace (`pid:[…]`), once its runner is found; null without bubblewrap. */
  pidNamespace: string | null;
  targets: SandboxTargets;
  /** Null for a runner adopted from an earlier orchestrator (not our child: no exit event, no exit code). */
  child: ChildProcess | null;
  exited: Promise<ExitInfo>;
  markExited(info: ExitInfo): void;
  stopping: boolean;
  /** The repl cgroup's out-of-memory kills when this sandbox started (the counter can outlive a start). */
  oomKillsAtStart: number;
}

export interface LocalSandboxSettings {
  /** `auto`: bubblewrap when it works here, else none (with a warning). */
  isolation: 'auto' | Isolation;
  /**
   * As root, repls get user ids from a range claimed for this DATA_DIR in the host registry
   * (uid-range-registry.ts): exactly from `uidBase` when set, else the lowest free one.
   */
  uidBase: number | null;
  uidCount: number;
  /** The host-wide registry file of every installation's range (SANDBOX_UID_REGISTRY). */
  uidRegistry: string;
  limits: ReplLimits;
}

export interface LocalDriverOptions {
  dataDir: string;
  s3: S3Settings;
  allowedOrigins: string[];
  sandbox: LocalSandboxSettings;
  /** A short-lived runner token for the driver's own POST /flush. */
  mintToken(replId: string): Promise<string>;
  log: Logger;
}

/**
 * Runs each repl on this machine as `runner pull` then `runner serve`, each in a sandbox
 * (docs/security.md, "Local sandboxes"): its own user id, bubblewrap's namespaces, a cgroup
 * and rlimits. The runner reaches storage only through the storage broker's socket, and the
 * gateway reaches the runner and the app only through sockets this driver makes and hands
 * over, in a folder the repl never sees. Sandboxes run in their own session, so they outlive
 * an orchestrator crash; a sandbox.json beside each lets the next orchestrator adopt them.
 */
export class LocalDriver implements SandboxDriver {
  private readonly sandboxes = new Map<string, LocalSandbox>();
  private readonly starting = new Set<string>();
  /** Clean-ups of sandboxes that died on their own, which a new start of the same repl waits for. */
  private readonly cleaning = new Map<string, Promise<void>>();
  private readonly listeners: SandboxExitListener[] = [];
  private readonly sandboxesDir: string;
  /** Public keys only: readable by every sandbox (shown read-only at SANDBOX_PATHS.keys). */
  private readonly keysDir: string;
  private readonly watchdog: NodeJS.Timeout;
  private readonly broker: StorageBroker;
  private readonly limits: SandboxLimits;
  readonly isolation: Isolation;
  private readonly asRoot = process.getuid?.() === 0;
  /** This installation's own user ids (root only): no other installation on the machine hands them out. */
  private readonly uids: UidRange | null;

  constructor(private readonly opts: LocalDriverOptions) {
    this.sandboxesDir = path.join(opts.dataDir, 'sandboxes');
    this.keysDir = path.join(opts.dataDir, 'runner-keys');
    fs.mkdirSync(this.sandboxesDir, { recursive: true, mode: 0o711 });
    fs.chmodSync(this.sandboxesDir, 0o711);
    this.uids = this.asRoot ? this.claimUids() : null;
    this.isolation = detectIsolation(opts.sandbox.isolation, this.uids?.base ?? null, opts.log);
    this.limits = SandboxLimits.detect(opts.sandbox.limits, installationName(opts.dataDir), opts.log);
    this.broker = new StorageBroker(opts.s3, opts.log);
    this.watchdog = setInterval(() => this.checkAdopted(), ADOPTED_PROBE_MS);
    this.watchdog.unref();
  }

  async start(replId: string, signal: AbortSignal): Promise<SandboxTargets> {
    const existing = this.sandboxes.get(replId);
    if (existing && !existing.stopping) return existing.targets;
    await this.cleaning.get(replId);
    const files = new SandboxFiles(this.sandboxesDir, replId);
    const uid = this.uidFor(files);
    const owner = uid === null ? null : { uid, gid: uid };
    this.starting.add(replId);
    let logFd: number | null = null;
    try {
      if (uid !== null) await killUid(uid, SANDBOX_KILL_MS); // nothing of an earlier life of this repl survives
      await files.prepare(owner);
      logFd = files.openLog();
      await this.broker.open(replId, files.storageSocket, owner);
      const appPort = this.isolation === 'bwrap' ? 3000 : await freePort();
      const env = this.runnerEnv(replId, files, appPort);
      const cgroupProcs = this.limits.prepare(replId);

      const pull = this.spawnSandboxed(replId, files, uid, cgroupProcs, ['pull', '--allow-empty'], env, logFd, []);
      const pulled = await Promise.race([exitOf(pull), aborted(signal)]);
      if (!pulled) {
        await this.killSandbox(replId, pull.pid ?? -1, null, uid);
        throw signal.reason;
      }
      if (pulled.code !== 0) throw new SandboxError(`runner pull failed (${describeExit(pulled)})`, files.tailLog());

      const sockets = await Promise.all([handOverSocket(files.runnerSocket), handOverSocket(files.appSocket)]);
      const serveEnv = { ...env, LISTEN_FD: '3', APP_LISTEN_FD: '4' };
      const fds = sockets.map((s) => s.fd);
      const serve = this.spawnSandboxed(replId, files, uid, cgroupProcs, ['serve'], serveEnv, logFd, fds);
      for (const s of sockets) s.release(); // the runner holds them now; the paths stay theirs
      const sandbox = this.track(replId, files, serve.pid ?? -1, uid, serve);
      await this.waitReady(sandbox, signal);
      files.writeRecord({ pid: sandbox.pid, sandboxPid: sandbox.sandboxPid, startedAt: new Date().toISOString() });
      return sandbox.targets;
    } catch (err) {
      if (!this.sandboxes.has(replId)) await this.broker.close(replId);
      throw err;
    } finally {
      this.starting.delete(replId);
      if (logFd !== null) fs.closeSync(logFd);
    }
  }

  async stop(replId: string): Promise<StopOutcome> {
    const sandbox = this.sandboxes.get(replId);
    if (!sandbox) return { saved: true, detail: 'not running' };
    return this.terminate(sandbox, true);
  }

  async list(): Promise<SandboxInfo[]> {
    for (const replId of SandboxFiles.listIds(this.sandboxesDir)) {
      if (this.sandboxes.has(replId)) continue;
      const files = new SandboxFiles(this.sandboxesDir, replId);
      const record = files.readRecord();
      if (!record) continue;
      if (!isRunner(commandLine(record.pid))) {
        files.clearRecord(); // the process is gone (or the pid now belongs to something else)
        continue;
      }
      const uid = files.readUid();
      await this.broker.open(replId, files.storageSocket, uid === null ? null : { uid, gid: uid });
      const sandbox = this.track(replId, files, record.sandboxPid, this.asRoot ? uid : null, null);
      sandbox.pid = record.pid;
      sandbox.pidNamespace = this.namespaceOf(record.pid);
      this.opts.log.info({ replId, pid: record.pid }, 'adopted a running runner');
    }
    return Promise.all(
      [...this.sandboxes.values()].map(async (sandbox) => ({
        replId: sandbox.replId,
        ready: await runnerClient.ready(sandbox.targets.runner),
      })),
    );
  }

  targets(replId: string): SandboxTargets | null {
    const sandbox = this.sandboxes.get(replId);
    return sandbox && !sandbox.stopping ? sandbox.targets : null;
  }

  async publishRunnerKeys(set: RunnerKeySet): Promise<void> {
    fs.mkdirSync(this.keysDir, { recursive: true, mode: 0o755 });
    fs.chmodSync(this.keysDir, 0o755);
    const file = path.join(this.keysDir, RUNNER_KEYS_FILE_NAME);
    const temp = `${file}.${process.pid}.new`;
    fs.writeFileSync(temp, JSON.stringify(set), { mode: 0o644 });
    fs.renameSync(temp, file); // runners see the old set or the new one, never half of one
  }

  async remove(replId: string): Promise<void> {
    const sandbox = this.sandboxes.get(replId);
    if (sandbox) await this.terminate(sandbox, false);
    new SandboxFiles(this.sandboxesDir, replId).removeAll();
  }

  onExit(listener: SandboxExitListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    await this.broker.closeAll();
    this.limits.close();
  }

  /**
   * This installation's range of user ids, claimed in the host registry: the same at every start
   * (so `sandboxes/<id>/uid` stays valid), never another installation's, never a host user's. A
   * refusal (an explicit SANDBOX_UID_BASE in another's range) stops the orchestrator's start.
   */
  private claimUids(): UidRange {
    const { uidBase, uidCount, uidRegistry } = this.opts.sandbox;
    const claim = claimUidRange({ registry: uidRegistry, dataDir: this.opts.dataDir, base: uidBase, count: uidCount });
    const { base, count } = claim.range;
    this.opts.log.info(
      { uidBase: base, uidCount: count, registry: uidRegistry, reused: claim.reused, reclaimed: claim.reclaimed },
      `repl user ids: ${base}–${base + count - 1}, this installation's own (${claim.reused ? 'kept' : 'claimed'} in ${uidRegistry})`,
    );
    return claim.range;
  }

  /** True for a uid of this installation's range: the only ones it may kill every process of. */
  private ownsUid(uid: number): boolean {
    return this.uids !== null && uid >= this.uids.base && uid < this.uids.base + this.uids.count;
  }

  /** The repl's own user id (root only): kept in its folder, the lowest free one in the range when new. */
  private uidFor(files: SandboxFiles): number | null {
    if (!this.uids) return null;
    const { base, count } = this.uids;
    const known = files.readUid();
    if (known !== null && this.ownsUid(known)) return known;
    const taken = new Set(
      SandboxFiles.listIds(this.sandboxesDir).map((id) => new SandboxFiles(this.sandboxesDir, id).readUid()),
    );
    for (let uid = base; uid < base + count; uid++) {
      if (taken.has(uid)) continue;
      files.writeUid(uid);
      return uid;
    }
    throw new SandboxError(`no free user id left in ${base}–${base + count - 1} (SANDBOX_UID_COUNT)`);
  }

  /** The PID namespace bubblewrap made for the sandbox of this process; never the orchestrator's own. */
  private namespaceOf(pid: number): string | null {
    if (this.isolation !== 'bwrap') return null;
    const ns = pidNamespaceOf(pid);
    return ns !== null && ns !== pidNamespaceOf(process.pid) ? ns : null;
  }

  private runnerEnv(replId: string, files: SandboxFiles, appPort: number): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const k of INHERITED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
    const inside = this.isolation === 'bwrap';
    return {
      ...env,
      ...RUNNER_PROCESS_ENV,
      // The broker's socket is the only way to storage, and no credential is in the sandbox.
      ...s3SettingsToEnv({
        endpoint: undefined,
        region: this.opts.s3.region,
        bucket: this.opts.s3.bucket,
        credentials: undefined,
        forcePathStyle: true,
        socketPath: inside ? path.join(SANDBOX_PATHS.storage, 's3.sock') : files.storageSocket,
      }),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      REPL_ID: replId,
      RUNNER_KEYS_FILE: path.join(inside ? SANDBOX_PATHS.keys : this.keysDir, RUNNER_KEYS_FILE_NAME),
      WORKSPACE_DIR: inside ? SANDBOX_PATHS.workspace : files.workspace,
      STATE_DIR: inside ? SANDBOX_PATHS.state : files.state,
      HOME: path.join(inside ? SANDBOX_PATHS.state : files.state, 'home'),
      TMPDIR: inside ? '/tmp' : (process.env.TMPDIR ?? '/tmp'),
      APP_PORT: String(appPort),
      ALLOWED_ORIGINS: this.opts.allowedOrigins.join(','),
      SHUTDOWN_TIMEOUT: String(RUNNER_SHUTDOWN_TIMEOUT_S),
      RUNNER_ALLOW_ROOT: '0',
      ...this.memoryEnv(replId, inside),
    };
  }

  /** How the runner learns that the kernel killed something for the repl's memory limit. */
  private memoryEnv(replId: string, inside: boolean): NodeJS.ProcessEnv {
    const events = this.limits.memoryEventsFile(replId);
    if (!events) return {};
    return {
      MEMORY_EVENTS_FILE: inside ? SANDBOX_PATHS.memoryEvents : events,
      REPL_MEMORY_LIMIT_MB: String(Math.round(this.opts.sandbox.limits.memoryBytes / 1024 / 1024)),
    };
  }

  /**
   * `[sh joins the cgroup] → [setpriv to the repl's uid] → prlimit → [bwrap] → node runner`:
   * each step limits or isolates what follows, and each one execs the next.
   */
  private spawnSandboxed(
    replId: string,
    files: SandboxFiles,
    uid: number | null,
    cgroupProcs: string[],
    args: string[],
    env: NodeJS.ProcessEnv,
    logFd: number,
    fds: number[],
  ): ChildProcess {
    const argv: string[] = [];
    if (cgroupProcs.length > 0) argv.push('/bin/sh', '-c', JOIN_CGROUPS, 'sh', ...cgroupProcs, '--');
    if (uid !== null) argv.push('setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--');
    argv.push('prlimit', ...this.limits.rlimitArgs(), '--');
    const seccomp = seccompFd(fds.length);
    if (this.isolation === 'bwrap') {
      const ids = uid ?? process.getuid?.() ?? 0;
      argv.push(
        'bwrap',
        ...sandboxArgs({
          replId,
          uid: ids,
          gid: uid ?? process.getgid?.() ?? 0,
          workspace: files.workspace,
          state: files.state,
          storage: files.storage,
          memoryEvents: this.limits.memoryEventsFile(replId),
          keys: this.keysDir,
          passwd: files.passwd,
          group: files.group,
          code: [INSTALL_ROOT, path.dirname(path.dirname(fs.realpathSync(process.execPath)))],
          hidden: [this.opts.dataDir],
          seccompFd: seccomp,
        }),
        '--',
      );
    }
    argv.push(process.execPath, ...RUNNER_NODE_FLAGS, RUNNER_CLI, ...args);
    const [cmd = '', ...rest] = argv;
    const child = spawn(cmd, rest, {
      env,
      stdio: ['ignore', logFd, logFd, ...fds, ...(this.isolation === 'bwrap' ? ['pipe' as const] : [])],
      detached: true, // own session: survives us, and a terminal's Ctrl-C is ours to handle
    });
    if (this.isolation === 'bwrap') sendSeccompFilter(child, seccomp);
    child.unref();
    return child;
  }

  private track(
    replId: string,
    files: SandboxFiles,
    sandboxPid: number,
    uid: number | null,
    child: ChildProcess | null,
  ): LocalSandbox {
    let markExited: (info: ExitInfo) => void = () => {};
    const exited = new Promise<ExitInfo>((resolve) => {
      markExited = resolve;
    });
    const sandbox: LocalSandbox = {
      replId,
      files,
      pid: 0,
      sandboxPid,
      uid,
      pidNamespace: null,
      targets: { runner: unixEndpoint(files.runnerSocket), app: unixEndpoint(files.appSocket) },
      child,
      exited,
      markExited,
      stopping: false,
      oomKillsAtStart: this.limits.memory(replId).oomKills(),
    };
    this.sandboxes.set(replId, sandbox);
    child?.once('exit', (code, signal) => markExited({ code, signal }));
    void exited.then((info) => this.onSandboxExit(sandbox, info));
    return sandbox;
  }

  private onSandboxExit(sandbox: LocalSandbox, info: ExitInfo): void {
    if (this.sandboxes.get(sandbox.replId) === sandbox) this.sandboxes.delete(sandbox.replId);
    if (sandbox.stopping) return;
    const cleaning = this.cleanUp(sandbox).finally(() => this.cleaning.delete(sandbox.replId));
    this.cleaning.set(sandbox.replId, cleaning);
    const memory = this.limits.memory(sandbox.replId);
    const why = memory.oomKills() > sandbox.oomKillsAtStart ? memory.reason() : describeExit(info);
    const error = new SandboxError(`the runner stopped unexpectedly (${why})`, sandbox.files.tailLog());
    this.opts.log.warn({ replId: sandbox.replId, pid: sandbox.pid, ...info }, 'runner exited unexpectedly');
    for (const l of this.listeners) l(sandbox.replId, error);
  }

  private checkAdopted(): void {
    for (const sandbox of this.sandboxes.values()) {
      if (!sandbox.child && !isAlive(sandbox.pid)) sandbox.markExited({ code: null, signal: null });
    }
  }

  private async waitReady(sandbox: LocalSandbox, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let exit: ExitInfo | null = null;
    void sandbox.exited.then((info) => {
      exit = info;
    });
    for (;;) {
      if (signal.aborted) {
        await this.terminate(sandbox, false);
        throw signal.reason;
      }
      if (exit)
        throw new SandboxError(`the runner exited while starting (${describeExit(exit)})`, sandbox.files.tailLog());
      if (Date.now() > deadline) {
        await this.terminate(sandbox, false);
        throw new SandboxError(`the runner was not ready after ${START_TIMEOUT_MS / 1000} s`, sandbox.files.tailLog());
      }
      if (!sandbox.pid)
        sandbox.pid = sandbox.child && this.isolation === 'none' ? sandbox.sandboxPid : this.findRunner(sandbox);
      if (sandbox.pid && !sandbox.pidNamespace) sandbox.pidNamespace = this.namespaceOf(sandbox.pid);
      if (sandbox.pid && (await runnerClient.ready(sandbox.targets.runner))) return;
      await sleep(READY_POLL_MS);
    }
  }

  private findRunner(sandbox: LocalSandbox): number {
    if (isRunner(commandLine(sandbox.sandboxPid))) return sandbox.sandboxPid;
    return findDescendant(sandbox.sandboxPid, isRunner) ?? 0;
  }

  /**
   * Stop = POST /flush (when asked), SIGTERM to the runner (it refuses writes, flushes again and
   * exits 0 only when S3 has everything), SIGKILL after its shutdown budget; then nothing of the
   * repl survives (its PID namespace ends with the runner; see killSandbox for the rest). The
   * workspace folder is dropped only after a stop known to be clean; otherwise it stays, and the
   * next start's pull + reconcile sends what is left.
   */
  private async terminate(sandbox: LocalSandbox, flushFirst: boolean): Promise<StopOutcome> {
    sandbox.stopping = true;
    let flush = { ok: false, detail: 'not flushed' };
    if (flushFirst) {
      flush = await runnerClient.flush(
        sandbox.targets.runner,
        await this.opts.mintToken(sandbox.replId),
        FLUSH_TIMEOUT_S,
      );
    }
    const target = sandbox.pid || sandbox.sandboxPid;
    signalProcess(target, 'SIGTERM');
    const budget = RUNNER_SHUTDOWN_TIMEOUT_S * 1000 + KILL_MARGIN_MS;
    const gone = sandbox.child
      ? await Promise.race([sandbox.exited.then(() => true), sleep(budget, false)])
      : await waitForPidExit(target, budget);
    if (!gone) {
      this.opts.log.warn({ replId: sandbox.replId, pid: target }, 'runner ignored SIGTERM; killing it');
      signalProcess(target, 'SIGKILL');
      signalProcess(sandbox.sandboxPid, 'SIGKILL');
      if (!sandbox.child) await waitForPidExit(target, KILL_MARGIN_MS);
    }
    const info: ExitInfo = sandbox.child ? await sandbox.exited : { code: null, signal: null };
    sandbox.markExited(info);
    if (this.sandboxes.get(sandbox.replId) === sandbox) this.sandboxes.delete(sandbox.replId);
    await this.cleanUp(sandbox);
    // A child tells us how its shutdown flush went; an adopted runner only through /flush.
    const saved = gone && (sandbox.child ? info.code === 0 : flush.ok);
    if (saved) sandbox.files.dropWorkspace();
    const detail = saved
      ? 'stopped; every change is in object storage'
      : `stopped, but changes may not have reached object storage (${sandbox.child ? describeExit(info) : flush.detail}); they stay on this machine and are uploaded on the next start`;
    this.opts.log.info({ replId: sandbox.replId, saved, ...info }, 'runner stopped');
    return { saved, detail };
  }

  /**
   * Ends every process of one repl's sandbox and nothing else, narrowest first: its PID namespace
   * (everything bubblewrap started: setsid and double forks cannot leave it), its cgroup (the same,
   * and whatever ran before or without bubblewrap), then, as the last net, whatever still runs
   * with its user id. That net is safe only because the host registry gives this installation its
   * uids alone, so it is cast only for a uid of this installation's own range (a sandbox adopted
   * from before a range change may hold someone else's by now). True when nothing survives.
   */
  private async killSandbox(
    replId: string,
    sandboxPid: number,
    knownNamespace: string | null,
    uid: number | null,
  ): Promise<boolean> {
    const ours = sandboxPid > 0 && (commandLine(sandboxPid)?.includes(RUNNER_CLI) ?? false); // not a reused pid
    // Found before bubblewrap's outer process dies: its child, the namespace's init, is then no longer below it.
    const ns = knownNamespace ?? (ours ? this.namespaceBelow(sandboxPid) : null);
    if (ours) signalProcess(sandboxPid, 'SIGKILL');
    let clean = ns === null || (await killPidNamespace(ns, SANDBOX_KILL_MS));
    clean = (await this.limits.killAll(replId, SANDBOX_KILL_MS)) && clean;
    if (uid !== null && this.ownsUid(uid)) clean = (await killUid(uid, SANDBOX_KILL_MS)) && clean;
    return clean;
  }

  private namespaceBelow(sandboxPid: number): string | null {
    return this.isolation === 'bwrap' ? pidNamespaceBelow(sandboxPid) : null;
  }

  /** After the runner: no process of the repl, no broker socket, no cgroup, no record. */
  private async cleanUp(sandbox: LocalSandbox): Promise<void> {
    const { replId, sandboxPid, pidNamespace, uid } = sandbox;
    if (!(await this.killSandbox(replId, sandboxPid, pidNamespace, uid))) {
      const left = uid !== null && this.ownsUid(uid) ? processesOfUid(uid) : [];
      if (pidNamespace) left.push(...processesInPidNamespace(pidNamespace));
      this.opts.log.error({ replId, left: new Set(left).size }, 'processes of a stopped repl survive');
    }
    await this.broker.close(sandbox.replId);
    this.limits.release(sandbox.replId);
    sandbox.files.clearRecord();
    releaseEndpoint(sandbox.targets.runner);
    releaseEndpoint(sandbox.targets.app);
  }
}

/** A cgroup folder name of this installation's own: the same at every start, another for another DATA_DIR. */
function installationName(dataDir: string): string {
  return `installation-${createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex').slice(0, 12)}`;
}

/** `node … runner/dist/cli.js serve` itself, not a wrapper (sh, setpriv, bwrap) whose arguments name it. */
function isRunner(argv: string[] | null): boolean {
  return argv?.[0] === process.execPath && argv.includes(RUNNER_CLI) && argv.includes('serve');
}

/**
 * A listening Unix socket at `socketPath` whose descriptor a child inherits. It is bound under
 * a temporary name and renamed into place, so that closing our copy (which unlinks the name it
 * was bound to) leaves the socket at `socketPath` to the child alone.
 */
async function handOverSocket(socketPath: string): Promise<{ fd: number; release(): void }> {
  const temp = `${socketPath}.${process.pid}.new`;
  fs.rmSync(temp, { force: true });
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: temp, backlog: 511 }, () => resolve());
  });
  // Nothing connects before the runner is ready (the path is not even in place); just in case, never answer here.
  server.on('connection', (c) => c.destroy());
  return {
    fd: listeningFd(server),
    release() {
      fs.renameSync(temp, socketPath);
      server.close(); // closes our descriptor; libuv unlinks the temporary name, which is gone already
    },
  };
}

function listeningFd(server: net.Server): number {
  const handle: unknown = Reflect.get(server, '_handle');
  const fd = typeof handle === 'object' && handle !== null ? Reflect.get(handle, 'fd') : undefined;
  if (typeof fd !== 'number' || fd < 0) throw new SandboxError('cannot hand a listening socket to the runner');
  return fd;
}

function signalName(n: number): string | null {
  return Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0] ?? null;
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
  // bubblewrap exits 128+N when the runner it waits for was killed by signal N.
  const signal = info.code !== null && info.code > 128 ? signalName(info.code - 128) : null;
  if (signal) return `killed by ${signal}`;
  if (info.code === null) return 'process gone';
  return `exit code ${info.code}`;
}
