import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { RunnerConfig } from './config.js';
import type { Logger } from './log.js';
import { dropPrivileges } from './privileges.js';
import { ActivityTracker } from './server/activity-tracker.js';
import { bindEventHandlers } from './server/event-router.js';
import { createHttpApp } from './server/http-app.js';
import { runnerHandlers } from './server/runner-handlers.js';
import { RunnerMetrics } from './server/runner-metrics.js';
import { createSocketServer } from './server/socket-server.js';
import { ScreenMirror } from './terminal/screen-mirror.js';
import { shellEnv } from './terminal/shell-env.js';
import { TerminalManager } from './terminal/terminal-manager.js';
import { FILE_REFRESH_WINDOW_MS, SHUTDOWN_DEADLINE_MS, TERMINAL_SCROLLBACK_LINES } from './tuning.js';
import { FileService } from './workspace/file-service.js';
import { WorkspacePaths } from './workspace/workspace-paths.js';
import { WorkspaceWatcher } from './workspace/workspace-watcher.js';

export interface RunningRunner {
  port: number;
  /** Stops taking connections and writes, ends every terminal, closes sockets. */
  shutdown(reason: string): Promise<void>;
}

/** `runner serve`: the runner's HTTP + Socket.io server over one workspace. */
export async function serve(config: RunnerConfig, log: Logger): Promise<RunningRunner> {
  const home = path.join(config.stateDir, 'home');
  await fs.mkdir(config.workspaceDir, { recursive: true });
  await fs.mkdir(home, { recursive: true });
  await dropPrivileges(config.runAs, [config.workspaceDir, config.stateDir], log);

  let state: 'starting' | 'ready' | 'stopping' = 'starting';
  const metrics = new RunnerMetrics();
  const activity = new ActivityTracker();
  const paths = await WorkspacePaths.open(config.workspaceDir);
  const files = new FileService({ paths, maxFileBytes: config.maxFileBytes, onChange: () => activity.touch() });
  const mirror = new ScreenMirror(TERMINAL_SCROLLBACK_LINES, log);
  const terminals = new TerminalManager({
    shell: config.shell,
    cwd: config.workspaceDir,
    env: shellEnv(process.env, { home, replId: config.replId, appPort: config.appPort }),
    mirror,
    graceMs: config.terminalGraceMs,
    flowHighWatermark: config.flowHighWatermark,
    flowLowWatermark: config.flowLowWatermark,
    log,
    onOutput: (chars) => metrics.terminalBytesOut.inc(chars),
    onCountChange: (count) => metrics.terminals.set(count),
  });

  const httpServer = http.createServer(
    createHttpApp({
      activity,
      metrics,
      state: () => state,
      clients: () => io.engine.clientsCount,
      terminals: () => terminals.count,
    }),
  );
  const io = createSocketServer(httpServer, {
    replId: config.replId,
    tokenSecret: config.tokenSecret,
    allowedOrigins: config.allowedOrigins,
    maxFileBytes: config.maxFileBytes,
    log,
  });
  io.on('connection', (socket) => {
    metrics.clients.inc();
    log.debug({ socket: socket.id, user: socket.data.user }, 'client connected');
    bindEventHandlers(socket, runnerHandlers(socket, { files, terminals, activity }), {
      log,
      onResult: (event, result) => {
        if (!event.startsWith('terminal:')) metrics.fileOps.inc({ op: event, result });
      },
    });
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
      activity.touch();
      io.emit('file:refresh', { changes });
    },
  });
  await watcher.start();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  state = 'ready';
  log.info({ host: config.host, port, workspace: config.workspaceDir, replId: config.replId }, 'listening');

  let stopping: Promise<void> | null = null;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      state = 'stopping';
      log.info({ reason }, 'shutting down');
      files.refuseWrites('the runner is shutting down');
      httpServer.close(); // no new connections; open ones are ended below
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_DEADLINE_MS).unref());
      await Promise.race([terminals.closeAll(), deadline]);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await watcher.close();
      await mirror.close();
      log.info('stopped');
    })();
    return stopping;
  };
  return { port, shutdown };
}
