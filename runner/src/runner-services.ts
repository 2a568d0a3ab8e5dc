import type { LogLine } from '@cubicle/protocol';
import { ObjectStore } from '@cubicle/storage';
import type { RunnerConfig } from './config.js';
import { GitService } from './git/git-service.js';
import { LanguageHub } from './language/language-hub.js';
import type { Logger } from './log.js';
import { PortWatcher } from './ports/port-watcher.js';
import { CubicleConfigFile } from './processes/cubicle-config-file.js';
import { ProcessCommands } from './processes/process-commands.js';
import { ProcessManager } from './processes/process-manager.js';
import { ReplEnvironment } from './processes/repl-environment.js';
import { RestartOnSave } from './processes/restart-on-save.js';
import { RunHistory } from './runs/run-history.js';
import { RunService } from './runs/run-service.js';
import { ActivityTracker } from './server/activity-tracker.js';
import type { ClientBroadcast } from './server/client-broadcast.js';
import { RunnerMetrics } from './server/runner-metrics.js';
import { KeyedBatcher } from './support/keyed-batcher.js';
import { ReplMemoryLimit } from './support/memory-limit.js';
import { DEFAULT_SYNC_IGNORE, SyncIgnore } from './sync/sync-ignore.js';
import { SyncJournal } from './sync/sync-journal.js';
import { WorkspaceSync } from './sync/workspace-sync.js';
import { ScreenMirror } from './terminal/screen-mirror.js';
import { shellEnv } from './terminal/shell-env.js';
import { StreamTickets } from './terminal/stream-tickets.js';
import { TerminalManager } from './terminal/terminal-manager.js';
import {
  FILE_REFRESH_WINDOW_MS,
  LOG_PUSH_MS,
  PORT_LIST_EVERY_MS,
  PORT_SCAN_MS,
  RESTART_ON_SAVE_DEBOUNCE_MS,
  TERMINAL_SCROLLBACK_LINES,
} from './tuning.js';
import { FileService } from './workspace/file-service.js';
import { WorkspacePaths } from './workspace/workspace-paths.js';
import { WorkspaceWatcher } from './workspace/workspace-watcher.js';

/** The workspace's S3 side: absent with RUNNER_SYNC=off (no S3 settings). */
export interface StorageParts {
  /** For WorkspaceSync, which retries with its own backoff and journal: one attempt per call. */
  syncStore: ObjectStore;
  /** For run history, which has no journal to retry from: the SDK's own retries. */
  historyStore: ObjectStore;
  journal: SyncJournal;
  sync: WorkspaceSync;
}

/** Everything the runner serves, built and wired, nothing listening yet. */
export interface RunnerServices {
  metrics: RunnerMetrics;
  activity: ActivityTracker;
  storage: StorageParts | null;
  files: FileService;
  git: GitService;
  environment: ReplEnvironment;
  mirror: ScreenMirror;
  terminals: TerminalManager;
  /** Tickets that open terminal streams (issued over Socket.io, redeemed by the stream's upgrade). */
  streamTickets: StreamTickets;
  processes: ProcessManager;
  runs: RunService;
  commands: ProcessCommands;
  restartOnSave: RestartOnSave;
  ports: PortWatcher;
  watcher: WorkspaceWatcher;
  languages: LanguageHub;
  /** Ports never listed nor tunnelled to: the runner's own, once it listens on TCP. */
  ownPorts: number[];
}

/**
 * Builds the runner's services in dependency order (docs/architecture.md, "The runner"): the
 * workspace and its sync, the shell environment, terminals, the user's processes and runs,
 * then what reacts to a file change. Pushes to clients go through `broadcast`.
 */
export async function buildRunnerServices(
  config: RunnerConfig,
  home: string,
  log: Logger,
  broadcast: ClientBroadcast,
): Promise<RunnerServices> {
  const metrics = new RunnerMetrics();
  const paths = await WorkspacePaths.open(config.workspaceDir);
  const syncIgnore = new SyncIgnore(config.workspaceDir, DEFAULT_SYNC_IGNORE);
  const storage = config.s3 ? openStorage(config, config.s3, syncIgnore, log, broadcast) : null;

  // One environment for shells, processes, runs and git (the repl's variables and secrets included).
  const environment = new ReplEnvironment(
    shellEnv(process.env, { home, replId: config.replId, appPort: config.appPort }),
  );
  const env = (project?: Record<string, string>) => environment.current(project);
  const mirror = new ScreenMirror(TERMINAL_SCROLLBACK_LINES, log);
  const terminals = new TerminalManager({
    shell: config.shell,
    cwd: config.workspaceDir,
    env,
    mirror,
    graceMs: config.terminalGraceMs,
    flowHighWatermark: config.flowHighWatermark,
    flowLowWatermark: config.flowLowWatermark,
    log,
    onOutput: (chars) => metrics.terminalBytesOut.inc(chars),
    onCountChange: (count) => metrics.terminals.set(count),
  });

  // Processes and runs (docs/protocol.md, "Processes and runs"): the shell's environment, pipes not PTYs.
  const processLogs = new KeyedBatcher<LogLine>(LOG_PUSH_MS, (name, lines) =>
    broadcast.emit('process:log', { name, lines }),
  );
  const runOutput = new KeyedBatcher<LogLine>(LOG_PUSH_MS, (id, lines) => broadcast.emit('run:output', { id, lines }));
  const replMemory = new ReplMemoryLimit(config.memoryEventsFile, config.replMemoryLimitBytes);
  const processes = new ProcessManager({
    config: new CubicleConfigFile(config.workspaceDir),
    cwd: config.workspaceDir,
    env,
    memoryLimitBytes: config.processMemoryLimitBytes,
    replMemory,
    backoffMs: config.processBackoffMs,
    log,
    onStatus: (info) => {
      processLogs.flush(); // lines before the state that followed them
      broadcast.emit('process:status', info);
    },
    onLog: (name, lines) => processLogs.add(name, lines),
  });
  environment.onChange(() => processes.refreshEnvironment());
  const runs = new RunService({
    history: new RunHistory(storage?.historyStore ?? null, config.replId, log),
    cwd: config.workspaceDir,
    env,
    concurrency: config.runsConcurrency,
    defaultTimeoutSeconds: config.runTimeoutSeconds,
    tasks: () => processes.config.tasks,
    replMemory,
    log,
    onStatus: (run) => {
      runOutput.flush();
      broadcast.emit('run:status', run);
    },
    onOutput: (id, lines) => runOutput.add(id, lines),
  });
  const activity = new ActivityTracker(() => processes.appRunning, config.appKeepAliveMs);
  const commands = new ProcessCommands(processes, runs, activity);
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

  // A file changed, through the IDE or on disk: activity, sync, cubicle.json, restart-on-save.
  const fileChanged = (rel: string) => {
    activity.touch();
    if (rel === 'cubicle.json') {
      syncIgnore.reload();
      void processes.reload();
    }
    storage?.sync.touch(rel);
    restartOnSave.changed(rel);
  };
  const files = new FileService({ paths, maxFileBytes: config.maxFileBytes, onChange: fileChanged });
  const git = new GitService({ paths, env });
  const languages = new LanguageHub({
    workspaceDir: config.workspaceDir,
    env,
    maxFileBytes: config.maxFileBytes,
    log,
    onStatus: (status) => broadcast.emit('lsp:status', status),
  });
  metrics.languageServerMemory = () => languages.memory();
  const watcher = new WorkspaceWatcher({
    root: config.workspaceDir,
    ignore: config.watchIgnore,
    windowMs: FILE_REFRESH_WINDOW_MS,
    log,
    onBatch: (changes) => {
      for (const change of changes) fileChanged(change.path);
      broadcast.emit('file:refresh', { changes });
      languages.filesChanged(changes);
    },
  });

  // Cubicle's own port is never listed nor tunnelled to (in a local sandbox the runner has no TCP port at all).
  const ownPorts: number[] = [];
  const ports = new PortWatcher({
    intervalMs: PORT_SCAN_MS,
    listEveryMs: PORT_LIST_EVERY_MS,
    hidden: ownPorts,
    onChange: (list) => broadcast.emit('ports:changed', { ports: list.map((port) => ({ port })) }),
  });

  return {
    metrics,
    activity,
    storage,
    files,
    git,
    environment,
    mirror,
    terminals,
    streamTickets: new StreamTickets(),
    processes,
    runs,
    commands,
    restartOnSave,
    ports,
    watcher,
    languages,
    ownPorts,
  };
}

function openStorage(
  config: RunnerConfig,
  s3: NonNullable<RunnerConfig['s3']>,
  ignore: SyncIgnore,
  log: Logger,
  broadcast: ClientBroadcast,
): StorageParts {
  const syncStore = new ObjectStore(s3, { maxAttempts: 1 });
  const journal = SyncJournal.open(config.stateDir);
  const sync = new WorkspaceSync({
    store: syncStore,
    journal,
    replId: config.replId,
    root: config.workspaceDir,
    ignore,
    log,
    onStatus: (status) => broadcast.emit('sync:status', status),
  });
  return { syncStore, historyStore: new ObjectStore(s3), journal, sync };
}
