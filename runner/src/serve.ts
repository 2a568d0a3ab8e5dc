import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { LogLine, ProcessInfo, RunRecord } from '@cubicle/protocol';
import { ObjectStore } from '@cubicle/storage';
import { RunnerKeyRing } from './auth/runner-token.js';
import { ConfigError, type RunnerConfig } from './config.js';
import { GitService } from './git/git-service.js';
import type { Logger } from './log.js';
import { acceptPortTunnels } from './ports/port-tunnel.js';
import { PortWatcher } from './ports/port-watcher.js';
import { dropPrivileges } from './privileges.js';
import { CubicleConfigFile } from './processes/cubicle-config-file.js';
import { ProcessCommands } from './processes/process-commands.js';
import { ProcessManager } from './processes/process-manager.js';
import { ReplEnvironment } from './processes/repl-environment.js';
import { RestartOnSave } from './processes/restart-on-save.js';
import { RunHistory } from './runs/run-history.js';
import { RunService } from './runs/run-service.js';
import { ActivityTracker } from './server/activity-tracker.js';
import { forwardAppConnections } from './server/app-forwarder.js';
import { bindEventHandlers } from './server/event-router.js';
import { createHttpApp } from './server/http-app.js';
import { addProcessApi } from './server/process-api.js';
import { runnerHandlers } from './server/runner-handlers.js';
import { RunnerMetrics } from './server/runner-metrics.js';
import { createSocketServer } from './server/socket-server.js';
import { KeyedBatcher } from './support/keyed-batcher.js';
import { ReplMemoryLimit } from './support/memory-limit.js';
import { DEFAULT_SYNC_IGNORE, SyncIgnore } from './sync/sync-ignore.js';
import { SyncJournal } from './sync/sync-journal.js';
import { WorkspaceSync } from './sync/workspace-sync.js';
import { ScreenMirror } from './terminal/screen-mirror.js';
import { shellEnv } from './terminal/shell-env.js';
import { seedShellRc } from './terminal/shell-rc.js';
import { TerminalManager } from './terminal/terminal-manager.js';
import {
  FILE_REFRESH_WINDOW_MS,
  LOG_PUSH_MS,
  PORT_SCAN_MS,
  RESTART_ON_SAVE_DEBOUNCE_MS,
  SHUTDOWN_DEADLINE_MS,
  TERMINAL_SCROLLBACK_LINES,
  WATCHER_SETTLE_MS,
} from './tuning.js';
import { FileService } from './workspace/file-service.js';
import { WorkspacePaths } from './workspace/workspace-paths.js';
import { WorkspaceWatcher } from './workspace/workspace-watcher.js';

export interface RunningRunner {
  port: number;
  /**
   * Stops taking connections and writes, ends every terminal, flushes every change to S3.
   * Resolves true when everything reached S3, false if SHUTDOWN_TIMEOUT passed first.
   */
  shutdown(reason: string): Promise<boolean>;
}

const RUNNER_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `runner serve`: the runner's HTTP + Socket.io server over one workspace. */
export async function serve(config: RunnerConfig, log: Logger): Promise<RunningRunner> {
  const home = path.join(config.stateDir, 'home');
  await fs.mkdir(config.workspaceDir, { recursive: true });
  await fs.mkdir(home, { recursive: true });
  await dropPrivileges(config.runAs, [config.workspaceDir, config.stateDir], log);
  await seedShellRc(home, config.workspaceDir);

  const keys = new RunnerKeyRing(config.keysFile);
  try {
    keys.load();
  } catch (err) {
    throw new ConfigError(`RUNNER_KEYS_FILE ${config.keysFile} is not a usable key set: ${oneLine(err)}`);
  }

  let state: 'starting' | 'ready' | 'stopping' = 'starting';
  const metrics = new RunnerMetrics();
  const activity = new ActivityTracker(() => processes.appRunning, config.appKeepAliveMs);
  const paths = await WorkspacePaths.open(config.workspaceDir);
  const syncIgnore = new SyncIgnore(config.workspaceDir, DEFAULT_SYNC_IGNORE);
  const store = config.s3 ? new ObjectStore(config.s3, { maxAttempts: 1 }) : null; // sync retries on its own
  const journal = store ? SyncJournal.open(config.stateDir) : null;
  const sync =
    store && journal
      ? new WorkspaceSync({
          store,
          journal,
          replId: config.replId,
          root: config.workspaceDir,
          ignore: syncIgnore,
          log,
          onStatus: (status) => io.emit('sync:status', status),
        })
      : null;
  const noteChange = (rel: string) => {
    activity.touch();
    if (rel === 'cubicle.json') {
      syncIgnore.reload();
      void processes.reload();
    }
    sync?.touch(rel);
    restartOnSave.changed(rel);
  };
  const git = new GitService({ paths, env: () => environment.current() });
  const files = new FileService({ paths, maxFileBytes: config.maxFileBytes, onChange: noteChange });
  const environment = new ReplEnvironment(
    shellEnv(process.env, { home, replId: config.replId, appPort: config.appPort }),
  );
  const mirror = new ScreenMirror(TERMINAL_SCROLLBACK_LINES, log);
  const terminals = new TerminalManager({
    shell: config.shell,
    cwd: config.workspaceDir,
    env: () => environment.current(),
    mirror,
    graceMs: config.terminalGraceMs,
    flowHighWatermark: config.flowHighWatermark,
    flowLowWatermark: config.flowLowWatermark,
    log,
    onOutput: (chars) => metrics.terminalBytesOut.inc(chars),
    onCountChange: (count) => metrics.terminals.set(count),
  });

  // Processes and runs (docs/architecture.md, "Processes and runs"): the shell's environment, pipes not PTYs.
  const commandEnv = (project?: Record<string, string>) => environment.current(project);
  const processLogs = new KeyedBatcher<LogLine>(LOG_PUSH_MS, (name, lines) => io.emit('process:log', { name, lines }));
  const runOutput = new KeyedBatcher<LogLine>(LOG_PUSH_MS, (id, lines) => io.emit('run:output', { id, lines }));
  const replMemory = new ReplMemoryLimit(config.memoryEventsFile, config.replMemoryLimitBytes);
  const processes = new ProcessManager({
    config: new CubicleConfigFile(config.workspaceDir),
    cwd: config.workspaceDir,
    env: commandEnv,
    memoryLimitBytes: config.processMemoryLimitBytes,
    replMemory,
    backoffMs: config.processBackoffMs,
    log,
    onStatus: (info: ProcessInfo) => {
      processLogs.flush(); // lines before the state that followed them
      io.emit('process:status', info);
    },
    onLog: (name, lines) => processLogs.add(name, lines),
  });
  environment.onChange(() => processes.refreshEnvironment());
  const restartOnSave = new RestartOnSave({
    debounceMs: RESTART_ON_SAVE_DEBOUNCE_MS,
    enabled: () => processes.config.restartOnSave,
    appUp: () => processes.list().some((p) => p.name === 'app' && p.state !== 'stopped' && p.state !== 'errored'),
    ignored: (rel) => syncIgnore.ignores(rel, false),
    restart: async () => {
      log.info('restarting the app: a workspace file changed (restartOnSave)');
      await processes.get('app').restart();
    },
  });
  const runs = new RunService({
    history: new RunHistory(config.s3 ? new ObjectStore(config.s3) : null, config.replId, log),
    cwd: config.workspaceDir,
    env: commandEnv,
    concurrency: config.runsConcurrency,
    defaultTimeoutSeconds: config.runTimeoutSeconds,
    tasks: () => processes.config.tasks,
    replMemory,
    log,
    onStatus: (run: RunRecord) => {
      runOutput.flush();
      io.emit('run:status', run);
    },
    onOutput: (id, lines) => runOutput.add(id, lines),
  });
  const commands = new ProcessCommands(processes, runs, activity);

  const httpServer = http.createServer(
    createHttpApp({
      activity,
      metrics,
      state: () => state,
      clients: () => io.engine.clientsCount,
      terminals: () => terminals.count,
      replId: config.replId,
      keys,
      flush: async (timeoutMs) => {
        if (!sync) return { state: 'synced', pending: 0, lastSyncedAt: null, notSynced: [], notSyncedCount: 0 };
        await sleep(WATCHER_SETTLE_MS); // changes already on disk get reported first
        return (await sync.flush(timeoutMs)) ? sync.status() : null;
      },
      pending: () => sync?.pendingCount ?? 0,
      log,
      addApi: (router) =>
        addProcessApi(router, { processes, commands, environment, runs, replId: config.replId, keys }, RUNNER_VERSION),
    }),
  );
  // Cubicle's own port is never listed nor tunnelled to (in a local sandbox the runner has no TCP port at all).
  const ownPorts: number[] = [];
  acceptPortTunnels(httpServer, {
    authorize: async (token) => (await keys.verify(token, config.replId)) !== null,
    hidden: ownPorts,
    log,
  });
  const ports = new PortWatcher({
    intervalMs: PORT_SCAN_MS,
    hidden: ownPorts,
    onChange: (list) => io.emit('ports:changed', { ports: list.map((port) => ({ port })) }),
  });
  const io = createSocketServer(httpServer, {
    replId: config.replId,
    keys,
    allowedOrigins: config.allowedOrigins,
    maxFileBytes: config.maxFileBytes,
    log,
    isReady: () => state === 'ready',
  });
  io.on('connection', (socket) => {
    metrics.clients.inc();
    socket.emit('runner:limits', { maxFileBytes: config.maxFileBytes });
    if (sync) socket.emit('sync:status', sync.status());
    log.debug({ socket: socket.id, user: socket.data.user }, 'client connected');
    bindEventHandlers(
      socket,
      runnerHandlers(socket, {
        files,
        terminals,
        activity,
        processes,
        runs,
        commands,
        search: { workspaceDir: config.workspaceDir, ripgrep: 'rg' },
        ports: () => ports.ports,
        git,
      }),
      {
        log,
        onResult: (event, result) => {
          if (!/^(terminal|process|run):/.test(event)) metrics.fileOps.inc({ op: event, result });
        },
      },
    );
    socket.on('disconnect', () => {
      metrics.clients.dec();
      terminals.detachEverywhere(socket.id);
    });
  });

  const watcher = new WorkspaceWatcher({
    root: config.workspaceDir,
    ignore: config.watchIgnore,
    windowMs: FILE_REFRESH_WINDOW_MS,
    log,
    onBatch: (changes) => {
      for (const change of changes) noteChange(change.path);
      io.emit('file:refresh', { changes });
    },
  });
  await watcher.start();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    if (config.listenFd !== null) httpServer.listen({ fd: config.listenFd }, () => resolve());
    else httpServer.listen(config.port, config.host, () => resolve());
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? (address as AddressInfo).port : 0;
  if (config.listenFd === null) ownPorts.push(port);
  await ports.start();
  const appForwarder =
    config.appListenFd !== null ? forwardAppConnections(config.appListenFd, config.appPort, log) : null;
  // Probes answer from here on; clients wait ("starting") until the journal's pending work is done
  // and the workspace agrees with S3.
  log.info({ host: config.host, port, workspace: config.workspaceDir, replId: config.replId }, 'listening');
  await sync?.start();
  if (state === 'starting') state = 'ready';
  log.info({ sync: sync ? sync.status() : 'off' }, 'ready');

  let stopping: Promise<boolean> | null = null;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      const flushBy = Date.now() + config.shutdownTimeoutMs;
      state = 'stopping';
      log.info({ reason }, 'shutting down');
      files.refuseWrites('the runner is shutting down and takes no more writes');
      httpServer.close(); // no new connections; open ones are ended below
      appForwarder?.close();
      restartOnSave.close();
      ports.stop();
      await files.drain();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_DEADLINE_MS).unref());
      // The user's processes and runs end with their sessions (runs are recorded as canceled).
      await Promise.race([Promise.all([terminals.closeAll(), processes.stopAll(), runs.stopAll()]), deadline]);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await sleep(WATCHER_SETTLE_MS); // the shells' last writes reach the watcher
      await watcher.close();
      let clean = true;
      if (sync) {
        await sync.rescan();
        clean = await sync.flush(Math.max(0, flushBy - Date.now()));
        if (!clean) {
          const pending = sync.pendingPaths();
          log.error(
            { pending: pending.slice(0, 50), count: pending.length },
            'shutdown timed out with changes not in S3',
          );
        }
        sync.stop();
      }
      journal?.close();
      store?.destroy();
      await mirror.close();
      log.info({ clean }, 'stopped');
      return clean;
    })();
    return stopping;
  };
  return { port, shutdown };
}

/** An error's message on one line (a schema error lists its issues as JSON). */
function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 300);
}
