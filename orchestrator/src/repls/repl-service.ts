import {
  basePrefix,
  type CreateReplRequest,
  type CreateReplResponse,
  codePrefix,
  type EnvList,
  IMPORTED_TEMPLATE,
  type Quota,
  type ReplRecord,
  type RunnerToken,
  runsPrefix,
  type SetEnvRequest,
  type ShareLevel,
  type StartReplResponse,
} from '@cubicle/protocol';
import { type ObjectStore, StorageError } from '@cubicle/storage';
import { ApiError } from '../api-error.js';
import type { Principal } from '../auth/principal.js';
import { runnerClient } from '../drivers/runner-client.js';
import { type SandboxDriver, SandboxError } from '../drivers/sandbox-driver.js';
import type { HostPatterns } from '../gateway/host-patterns.js';
import type { OrchestratorMetrics } from '../http/orchestrator-metrics.js';
import type { Logger } from '../log.js';
import type { AuditLog } from '../state/audit-log.js';
import type { EnvironmentStore } from '../state/environment-store.js';
import type { ReplRow, ReplStore } from '../state/repl-store.js';
import type { TemplateCatalog } from '../templates/template-catalog.js';
import { type ImportResult, importRepository } from './git-import.js';
import { ImportProgressBoard } from './import-progress.js';
import { newReplId } from './repl-ids.js';
import type { RunnerTokens } from './runner-tokens.js';

export interface ReplServiceDeps {
  store: ReplStore;
  audit: AuditLog;
  driver: SandboxDriver;
  objects: ObjectStore;
  catalog: TemplateCatalog;
  hosts: HostPatterns;
  tokens: RunnerTokens;
  env: EnvironmentStore;
  metrics: OrchestratorMetrics;
  /** The limits in force for a user (accounts/quotas.ts). */
  quotaOf(userId: string): Quota;
  log: Logger;
}

/** The one operation in flight for a repl; others wait for it (or, a stop, cancel a start). */
type Operation =
  | { kind: 'start'; done: Promise<void>; abort: AbortController }
  | { kind: 'stop' | 'delete'; done: Promise<void> };

/** Actor names the orchestrator itself uses in the audit log. */
export const SYSTEM_ACTOR = 'orchestrator';

/**
 * Repl lifecycle: `stopped → starting → running → stopping → stopped`, `error` with a reason.
 * Operations on one repl are serialized: a second start joins the first (idempotent), a stop
 * during a start cancels it (the sandbox is torn down, the repl ends `stopped`), a start during
 * a stop waits for it. State lives in SQLite so a restarted orchestrator can reconcile.
 */
export class ReplService {
  private readonly ops = new Map<string, Operation>();
  /** What each start in progress is waiting for, from the driver (`reportProgress`). */
  private readonly progress = new Map<string, string>();
  /** Imports in progress, for `GET /api/imports/:importId`. */
  readonly imports = new ImportProgressBoard();
  private closing = false;

  constructor(private readonly deps: ReplServiceDeps) {
    deps.driver.onExit((id, err) => this.onSandboxExit(id, err));
  }

  /** The caller's repls; with `all`, an admin's view of everyone's. */
  list(who: Principal, all = false): ReplRecord[] {
    if (all && !who.admin) throw new ApiError('EFORBIDDEN', "only admins can list every user's repls");
    return this.deps.store.list(all ? undefined : who.userId).map((r) => this.toRecord(r));
  }

  get(id: string): ReplRecord {
    return this.toRecord(this.requireRow(id));
  }

  /**
   * The gate in front of every repl route: the owner and admins pass; for anyone else the repl
   * does not exist (the same 404 as a deleted one: no way to learn another user's repl ids).
   */
  authorize(id: string, who: Principal): ReplRow {
    const row = this.requireRow(id);
    if (!mayUse(row, { id: who.userId, admin: who.admin })) throw new ApiError('ENOENT', `no repl ${id}`);
    return row;
  }

  /** Whether a user may use a repl (its previews, its runner): its owner, or an admin. */
  allows(id: string, user: { id: string; admin: boolean }): boolean {
    const row = this.deps.store.get(id);
    return !!row && mayUse(row, user);
  }

  setShare(id: string, share: ShareLevel, actor: string): ReplRecord {
    const before = this.requireRow(id).share;
    const row = this.deps.store.setShare(id, share);
    if (before !== share) this.deps.audit.record(actor, 'repl.share', id, { share });
    return this.toRecord(row);
  }

  /** The driver's word on a start in progress; shown on the record while the repl is `starting`. */
  reportProgress(id: string, line: string): void {
    if (this.ops.get(id)?.kind === 'start') this.progress.set(id, line);
  }

  /** A clear refusal when a user is at a limit (checked again right before the write, with no await between). */
  private checkQuota(owner: string, what: 'repls' | 'running'): void {
    const quota = this.deps.quotaOf(owner);
    const usage = this.deps.store.usage(owner);
    if (what === 'repls' && quota.maxRepls !== null && usage.repls >= quota.maxRepls) {
      throw new ApiError(
        'EQUOTA',
        `you have ${usage.repls} repls, the most you may have is ${quota.maxRepls}: delete one first`,
      );
    }
    if (what === 'running' && quota.maxRunning !== null && usage.running >= quota.maxRunning) {
      throw new ApiError(
        'EQUOTA',
        `you have ${usage.running} repls running, the most you may run at once is ${quota.maxRunning}: stop one first`,
      );
    }
  }

  /** Running repls, for the idle reaper. */
  running(): string[] {
    return this.deps.store
      .list()
      .filter((r) => r.state === 'running' && !this.ops.has(r.id))
      .map((r) => r.id);
  }

  async create(req: CreateReplRequest, actor: string): Promise<CreateReplResponse> {
    this.checkQuota(actor, 'repls');
    if (req.repository !== undefined) return this.importRepl(req.repository, req.name, req.importId, actor);
    if (req.template === undefined || !this.deps.catalog.has(req.template)) {
      const names = this.deps.catalog
        .list()
        .map((t) => t.name)
        .join(', ');
      throw new ApiError('EINVAL', `unknown template "${req.template}" (templates: ${names})`);
    }
    const id = newReplId();
    let files: number;
    try {
      files = await this.deps.objects.copyPrefix(basePrefix(req.template), codePrefix(id));
    } catch (err) {
      await this.deps.objects.deletePrefix(codePrefix(id)).catch(this.leftBehind(id)); // nothing half-made stays
      throw storageFailure(err);
    }
    const row = this.insertWithinQuota({
      id,
      name: req.name ?? `${req.template}-${id.slice(0, 4)}`,
      template: req.template,
      owner: actor,
    });
    this.deps.audit.record(actor, 'repl.create', id, { template: req.template, name: row.name, files });
    this.deps.log.info({ replId: id, template: req.template, files }, 'repl created');
    return { ...this.toRecord(row), skipped: [], skippedCount: 0 };
  }

  /** A repl whose files are a clone of a public repository. */
  private async importRepl(
    url: string,
    name: string | undefined,
    importId: string | undefined,
    actor: string,
  ): Promise<CreateReplResponse> {
    const id = newReplId();
    const t0 = performance.now();
    let imported: ImportResult;
    this.imports.report(importId, { phase: 'Connecting', percent: null });
    try {
      imported = await importRepository(url, this.deps.objects, codePrefix(id), (p) =>
        this.imports.report(importId, p),
      );
    } catch (err) {
      this.imports.finish(importId, 'Failed');
      await this.deps.objects.deletePrefix(codePrefix(id)).catch(this.leftBehind(id)); // nothing half-made stays
      throw err instanceof ApiError ? err : storageFailure(err);
    }
    this.imports.finish(importId, 'Done');
    const fallback =
      url
        .replace(/\.git$/, '')
        .split('/')
        .pop() || 'imported';
    const row = this.insertWithinQuota({
      id,
      name: name ?? fallback.slice(0, 64),
      template: IMPORTED_TEMPLATE,
      owner: actor,
    });
    const ms = Math.round(performance.now() - t0);
    const { files, skipped, skippedCount } = imported;
    this.deps.audit.record(actor, 'repl.create', id, { repository: url, name: row.name, files, skippedCount, ms });
    this.deps.log.info({ replId: id, repository: url, files, skippedCount, skipped, ms }, 'repl imported');
    return { ...this.toRecord(row), skipped, skippedCount };
  }

  /** A half-made repl's objects could not be removed: they stay in storage (unreferenced), and the log says so. */
  private leftBehind(id: string) {
    return (err: Error) =>
      this.deps.log.warn(
        { replId: id, prefix: codePrefix(id), err },
        'could not remove the objects of a repl that was not made',
      );
  }

  /** The copy took a while: another create may have used the last place since; if so, the copy goes. */
  private insertWithinQuota(r: { id: string; name: string; template: string; owner: string }): ReplRow {
    try {
      this.checkQuota(r.owner, 'repls');
    } catch (err) {
      void this.deps.objects.deletePrefix(codePrefix(r.id)).catch(this.leftBehind(r.id));
      throw err;
    }
    return this.deps.store.insert(r);
  }

  async start(id: string, actor: string): Promise<StartReplResponse> {
    for (;;) {
      if (this.closing) throw new ApiError('EUNAVAILABLE', 'the orchestrator is shutting down');
      const op = this.ops.get(id);
      if (op?.kind === 'start') {
        await op.done;
        break;
      }
      if (op) {
        await op.done.catch(() => {});
        continue;
      }
      const row = this.requireRow(id);
      if (row.state === 'running' && this.deps.driver.targets(id)) break;
      this.checkQuota(row.owner, 'running');
      await this.beginStart(id, actor);
      break;
    }
    const row = this.requireRow(id);
    if (row.state !== 'running') throw new ApiError('ECONFLICT', `the repl is ${row.state}, not running`);
    return {
      state: 'running',
      runnerUrl: this.deps.hosts.url('runner', id),
      previewUrl: this.deps.hosts.url('preview', id),
      ...(await this.deps.tokens.issue(id, actor)),
    };
  }

  async stop(id: string, actor: string, why: Record<string, unknown> = {}): Promise<ReplRecord> {
    for (;;) {
      const op = this.ops.get(id);
      if (!op) break;
      if (op.kind === 'start') op.abort.abort(new ApiError('ECONFLICT', 'the repl was stopped while it was starting'));
      await op.done.catch(() => {});
      if (op.kind !== 'start') return this.get(id); // joined a stop (or a delete: 404)
    }
    const row = this.requireRow(id);
    if (row.state === 'stopped' && !this.deps.driver.targets(id)) return this.toRecord(row);
    await this.track(id, { kind: 'stop', done: this.runStop(id, actor, why) });
    return this.get(id);
  }

  async delete(id: string, actor: string): Promise<void> {
    for (;;) {
      await this.stop(id, actor);
      const op = this.ops.get(id);
      if (!op) break;
      await op.done.catch(() => {});
    }
    const done = (async () => {
      await this.deps.driver.remove(id);
      let objects: number;
      try {
        objects = await this.deps.objects.deletePrefix(codePrefix(id));
        objects += await this.deps.objects.deletePrefix(runsPrefix(id)); // its run history goes too
      } catch (err) {
        throw storageFailure(err); // the record stays (stopped): deleting again finishes the job
      }
      this.deps.audit.record(actor, 'repl.delete', id, { objects }); // filed under its owner, while it has one
      this.deps.store.delete(id);
      this.deps.env.deleteAll(id);
      this.deps.log.info({ replId: id, objects }, 'repl deleted');
    })();
    await this.track(id, { kind: 'delete', done });
  }

  /** The repl's variables and secrets (a secret's value is never answered). */
  listEnv(id: string): EnvList {
    this.requireRow(id);
    return { variables: this.deps.env.list(id) };
  }

  /** Sets one variable, and hands the whole set to the repl's runner if it is running. */
  async setEnv(id: string, name: string, req: SetEnvRequest, actor: string): Promise<EnvList> {
    this.requireRow(id);
    this.deps.env.set(id, name, req.value, req.secret);
    this.deps.audit.record(actor, 'env.set', id, { name, secret: req.secret });
    await this.updateRunnerEnv(id);
    return this.listEnv(id);
  }

  async deleteEnv(id: string, name: string, actor: string): Promise<void> {
    this.requireRow(id);
    if (!this.deps.env.delete(id, name)) throw new ApiError('ENOENT', `repl ${id} has no variable ${name}`);
    this.deps.audit.record(actor, 'env.delete', id, { name });
    await this.updateRunnerEnv(id);
  }

  /** After a change: the stored set is what counts; a runner that misses it gets it at its next start. */
  private async updateRunnerEnv(id: string): Promise<void> {
    await this.handEnvToRunner(id).catch((err: Error) =>
      this.deps.log.warn({ replId: id, err }, 'runner kept old variables'),
    );
  }

  /** The runner keeps the variables in memory only: it gets them at each start and after each change. */
  private async handEnvToRunner(id: string): Promise<void> {
    const targets = this.deps.driver.targets(id);
    if (!targets) return; // not running: the next start hands them over
    const { token } = await this.deps.tokens.issue(id, SYSTEM_ACTOR, 60_000);
    const outcome = await runnerClient.setEnvironment(targets.runner, token, this.deps.env.values(id));
    if (!outcome.ok) throw new Error(outcome.detail);
  }

  async issueToken(id: string, actor: string): Promise<RunnerToken> {
    this.requireRow(id);
    const token = await this.deps.tokens.issue(id, actor);
    this.deps.audit.record(actor, 'token.issue', id, { expiresAt: token.expiresAt });
    return token;
  }

  /**
   * After a restart: sandboxes that still run are adopted (their records say `running`), records
   * whose sandbox is gone are `stopped`, half-started sandboxes and ones without a record are
   * stopped (flushed first). Nothing is left running that no record knows about. Only the leader
   * (`authoritative`) does more than adopt.
   */
  async reconcile(authoritative = true): Promise<void> {
    const live = new Map((await this.deps.driver.list()).map((s) => [s.replId, s]));
    // Not the leader: adopt what runs (the gateway routes to it) and change nothing (leadership.ts).
    if (!authoritative) return;
    const stops: Promise<unknown>[] = [];
    for (const row of this.deps.store.list()) {
      const sandbox = live.get(row.id);
      live.delete(row.id);
      if (sandbox?.ready && (row.state === 'running' || row.state === 'starting')) {
        if (row.state !== 'running') this.deps.store.setState(row.id, 'running');
        this.deps.log.info({ replId: row.id }, 'repl adopted after restart');
      } else if (sandbox) {
        stops.push(this.stop(row.id, SYSTEM_ACTOR, { reconcile: true }));
      } else if (row.state === 'running' || row.state === 'starting' || row.state === 'stopping') {
        this.deps.store.setState(row.id, 'stopped');
        this.deps.audit.record(SYSTEM_ACTOR, 'repl.stop', row.id, { reconcile: true, sandbox: 'gone' });
      }
    }
    for (const orphan of live.keys()) {
      this.deps.log.warn({ replId: orphan }, 'stopping a sandbox that no repl record knows');
      stops.push(this.deps.driver.stop(orphan).then(() => this.deps.driver.remove(orphan)));
    }
    await Promise.all(stops);
  }

  /** Shutdown of `pnpm start`: every running repl flushed and stopped; no new starts. */
  async stopAll(): Promise<void> {
    this.closing = true;
    const busy = this.deps.store.list().filter((r) => r.state !== 'stopped' || this.deps.driver.targets(r.id));
    await Promise.all(
      busy.map((r) =>
        this.stop(r.id, SYSTEM_ACTOR, { shutdown: true }).catch((err: Error) =>
          this.deps.log.error({ replId: r.id, err }, 'could not stop a repl at shutdown'),
        ),
      ),
    );
  }

  private beginStart(id: string, actor: string): Promise<void> {
    const abort = new AbortController();
    const t0 = performance.now();
    this.deps.store.setState(id, 'starting');
    const done = (async () => {
      try {
        await this.deps.driver.start(id, abort.signal);
        await this.handEnvToRunner(id).catch(async (err: Error) => {
          await this.deps.driver.stop(id).catch(() => undefined); // no sandbox left running for a failed start
          throw new SandboxError(`the repl's variables could not be handed to it: ${err.message}`);
        });
      } catch (err) {
        if (abort.signal.aborted) {
          this.deps.metrics.starts.inc({ result: 'canceled' });
          throw abort.signal.reason;
        }
        const e = err instanceof SandboxError ? err : new SandboxError((err as Error).message);
        this.deps.store.setState(id, 'error', { reason: e.message, logs: e.logs });
        this.deps.audit.record(actor, 'repl.error', id, { reason: e.message });
        this.deps.metrics.starts.inc({ result: 'failed' });
        throw new ApiError('ESANDBOX', `the repl could not start: ${e.message}`);
      }
      if (abort.signal.aborted) throw abort.signal.reason; // the waiting stop tears it down
      const ms = Math.round(performance.now() - t0);
      this.deps.store.setState(id, 'running');
      this.deps.audit.record(actor, 'repl.start', id, { ms });
      this.deps.metrics.starts.inc({ result: 'ok' });
      this.deps.metrics.startSeconds.observe(ms / 1000);
      this.deps.log.info({ replId: id, ms }, 'repl running');
    })();
    return this.track(id, { kind: 'start', done, abort });
  }

  private async runStop(id: string, actor: string, why: Record<string, unknown>): Promise<void> {
    this.deps.store.setState(id, 'stopping');
    const outcome = await this.deps.driver.stop(id).catch((err: Error) => ({ saved: false, detail: err.message }));
    if (outcome.saved) this.deps.store.setState(id, 'stopped');
    else this.deps.store.setState(id, 'error', { reason: outcome.detail, logs: [] });
    this.deps.audit.record(actor, 'repl.stop', id, { ...why, saved: outcome.saved });
  }

  private track(id: string, op: Operation): Promise<void> {
    this.ops.set(id, op);
    const clear = () => {
      if (this.ops.get(id) !== op) return;
      this.ops.delete(id);
      this.progress.delete(id);
    };
    op.done.then(clear, clear);
    return op.done;
  }

  private onSandboxExit(id: string, err: SandboxError): void {
    if (this.ops.has(id)) return; // a start or stop in progress reports this itself
    const row = this.deps.store.get(id);
    if (row?.state !== 'running') return;
    this.deps.store.setState(id, 'error', { reason: err.message, logs: err.logs });
    this.deps.audit.record(SYSTEM_ACTOR, 'repl.error', id, { reason: err.message });
  }

  private requireRow(id: string): ReplRow {
    const row = this.deps.store.get(id);
    if (!row) throw new ApiError('ENOENT', `no repl ${id}`);
    return row;
  }

  private toRecord(r: ReplRow): ReplRecord {
    const running = r.state === 'running';
    return {
      ...r,
      runnerUrl: running ? this.deps.hosts.url('runner', r.id) : null,
      previewUrl: running ? this.deps.hosts.url('preview', r.id) : null,
      progress: r.state === 'starting' ? (this.progress.get(r.id) ?? null) : null,
    };
  }
}

/** The one rule of who may use a repl: its owner, and admins. */
const mayUse = (row: ReplRow, user: { id: string; admin: boolean }) => row.owner === user.id || user.admin;

function storageFailure(err: unknown): ApiError {
  if (err instanceof StorageError) return new ApiError('EUNAVAILABLE', `object storage: ${err.message}`);
  return new ApiError('EINTERNAL', (err as Error).message);
}
