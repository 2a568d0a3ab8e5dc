import type { Logger } from '../log.js';
import type { RunnerServices } from '../runner-services.js';
import { bindEventHandlers } from './event-router.js';
import { runnerHandlers } from './runner-handlers.js';
import type { RunnerIo } from './socket-types.js';

/**
 * Each authorized client: first the limits this runner enforces and the sync status, then every
 * event of docs/protocol.md through the validating router; a client that leaves detaches from
 * its terminals (they live on for the grace period).
 */
export function acceptClients(
  io: RunnerIo,
  services: RunnerServices,
  opts: { workspaceDir: string; maxFileBytes: number; log: Logger },
): void {
  const { metrics, terminals, storage } = services;
  const { log } = opts;
  io.on('connection', (socket) => {
    metrics.clients.inc();
    socket.emit('runner:limits', { maxFileBytes: opts.maxFileBytes });
    if (storage) socket.emit('sync:status', storage.sync.status());
    for (const status of services.languages.statuses()) socket.emit('lsp:status', status);
    log.debug({ socket: socket.id, user: socket.data.user }, 'client connected');
    bindEventHandlers(
      socket,
      runnerHandlers(socket, {
        files: services.files,
        terminals,
        streamTickets: services.streamTickets,
        activity: services.activity,
        processes: services.processes,
        runs: services.runs,
        commands: services.commands,
        search: { workspaceDir: opts.workspaceDir, ripgrep: 'rg' },
        ports: () => services.ports.ports,
        git: services.git,
        languages: services.languages,
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
      services.languages.leave(socket.id);
    });
  });
}
