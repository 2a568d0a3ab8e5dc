import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { RunnerKeyRing } from './auth/runner-token.js';
import { ConfigError, type RunnerConfig } from './config.js';
import type { Logger } from './log.js';
import { acceptPortTunnels } from './ports/port-tunnel.js';
import { dropPrivileges } from './privileges.js';
import { buildRunnerServices, type RunnerServices } from './runner-services.js';
import { runnerShutdown } from './runner-shutdown.js';
import { forwardAppConnections } from './server/app-forwarder.js';
import { ClientBroadcast } from './server/client-broadcast.js';
import { acceptClients } from './server/client-connections.js';
import { createHttpApp } from './server/http-app.js';
import { addProcessApi } from './server/process-api.js';
import { createSocketServer } from './server/socket-server.js';
import type { RunnerIo } from './server/socket-types.js';
import { acceptTerminalStreams } from './server/terminal-streams.js';
import { seedShellRc } from './terminal/shell-rc.js';
import { SHUTDOWN_DEADLINE_MS, WATCHER_SETTLE_MS } from './tuning.js';

export interface RunningRunner {
  port: number;
  /**
   * Stops taking connections and writes, ends every terminal, flushes every change to S3.
   * Resolves true when everything reached S3, false if SHUTDOWN_TIMEOUT passed first.
   */
  shutdown(reason: string): Promise<boolean>;
}

type Lifecycle = 'starting' | 'ready' | 'stopping';

const RUNNER_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `runner serve`: the runner's HTTP + Socket.io server over one workspace. It prepares the
 * workspace, builds the services (runner-services.ts), serves them, listens, and is ready once
 * the workspace agrees with S3; `shutdown` is runner-shutdown.ts over the same parts.
 */
export async function serve(config: RunnerConfig, log: Logger): Promise<RunningRunner> {
  const home = await prepareWorkspace(config, log);
  const keys = loadKeys(config.keysFile);
  let lifecycle: Lifecycle = 'starting';
  const broadcast = new ClientBroadcast();
  const services = await buildRunnerServices(config, home, log, broadcast);
  const { storage } = services;

  const httpServer = http.createServer(
    createHttpApp({
      activity: services.activity,
      metrics: services.metrics,
      state: () => lifecycle,
      clients: () => io.engine.clientsCount,
      terminals: () => services.terminals.count,
      replId: config.replId,
      keys,
      flush: async (timeoutMs) => {
        if (!storage) return { state: 'synced', pending: 0, lastSyncedAt: null, notSynced: [], notSyncedCount: 0 };
        await sleep(WATCHER_SETTLE_MS); // changes already on disk get reported first
        return (await storage.sync.flush(timeoutMs)) ? storage.sync.status() : null;
      },
      pending: () => storage?.sync.pendingCount ?? 0,
      log,
      addApi: (router) => addProcessApi(router, { ...services, replId: config.replId, keys }, RUNNER_VERSION),
    }),
  );
  acceptPortTunnels(httpServer, {
    authorize: async (token) => (await keys.verify(token, config.replId)) !== null,
    hidden: services.ownPorts,
    log,
  });
  // Socket.io goes on after the HTTP app: it takes its own path and hands every other request on.
  const io = createSocketServer(httpServer, {
    replId: config.replId,
    keys,
    allowedOrigins: config.allowedOrigins,
    maxFileBytes: config.maxFileBytes,
    log,
    isReady: () => lifecycle === 'ready',
  });
  broadcast.attach(io);
  const streams = acceptTerminalStreams(httpServer, {
    terminals: services.terminals,
    tickets: services.streamTickets,
    activity: services.activity,
    allowedOrigins: config.allowedOrigins,
    log,
  });
  acceptClients(io, services, { workspaceDir: config.workspaceDir, maxFileBytes: config.maxFileBytes, log });
  await services.watcher.start();

  const port = await listen(httpServer, config);
  if (config.listenFd === null) services.ownPorts.push(port);
  await services.ports.start();
  const appForwarder =
    config.appListenFd !== null ? forwardAppConnections(config.appListenFd, config.appPort, log) : null;
  // Probes answer from here on; clients wait ("starting") until the journal's pending work is done
  // and the workspace agrees with S3.
  log.info({ host: config.host, port, workspace: config.workspaceDir, replId: config.replId }, 'listening');
  await storage?.sync.start();
  if (lifecycle === 'starting') lifecycle = 'ready';
  log.info({ sync: storage ? storage.sync.status() : 'off' }, 'ready');

  const shutdown = runnerShutdown(
    shutdownSteps(services, io, streams, () => {
      lifecycle = 'stopping';
      httpServer.close(); // no new connections; open ones are ended with the sessions
      appForwarder?.close();
    }),
    { flushTimeoutMs: config.shutdownTimeoutMs, sessionDeadlineMs: SHUTDOWN_DEADLINE_MS },
    log,
  );
  return { port, shutdown };
}

/** The workspace and the shell's home exist, privileges are dropped, the shell's rc is in place. */
async function prepareWorkspace(config: RunnerConfig, log: Logger): Promise<string> {
  const home = path.join(config.stateDir, 'home');
  await fs.mkdir(config.workspaceDir, { recursive: true });
  await fs.mkdir(home, { recursive: true });
  await dropPrivileges(config.runAs, [config.workspaceDir, config.stateDir], log);
  await seedShellRc(home, config.workspaceDir);
  return home;
}

function loadKeys(keysFile: string): RunnerKeyRing {
  const keys = new RunnerKeyRing(keysFile);
  try {
    keys.load();
  } catch (err) {
    throw new ConfigError(`RUNNER_KEYS_FILE ${keysFile} is not a usable key set: ${oneLine(err)}`);
  }
  return keys;
}

/** On the inherited socket (a local sandbox), or on RUNNER_HOST:RUNNER_PORT; resolves with the port. */
async function listen(httpServer: http.Server, config: RunnerConfig): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    if (config.listenFd !== null) httpServer.listen({ fd: config.listenFd }, () => resolve());
    else httpServer.listen(config.port, config.host, () => resolve());
  });
  const address = httpServer.address();
  return typeof address === 'object' && address ? (address as AddressInfo).port : 0;
}

function shutdownSteps(services: RunnerServices, io: RunnerIo, streams: { close(): void }, closeServers: () => void) {
  const { files, storage } = services;
  return {
    refuseWrites: () => files.refuseWrites('the runner is shutting down and takes no more writes'),
    stopAccepting: () => {
      closeServers();
      services.restartOnSave.close();
      services.ports.stop();
    },
    drainWrites: () => files.drain(),
    endSessions: () =>
      Promise.all([
        services.terminals.closeAll(),
        services.processes.stopAll(),
        services.runs.stopAll(),
        services.languages.closeAll(),
      ]),
    disconnectClients: () => {
      streams.close();
      return new Promise<void>((resolve) => io.close(() => resolve()));
    },
    settleWatcher: async () => {
      await sleep(WATCHER_SETTLE_MS); // the shells' last writes reach the watcher
      await services.watcher.close();
    },
    sync: storage?.sync ?? null,
    release: async () => {
      storage?.journal.close();
      storage?.syncStore.destroy();
      storage?.historyStore.destroy();
      await services.mirror.close();
    },
  };
}

/** An error's message on one line (a schema error lists its issues as JSON). */
function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 300);
}
