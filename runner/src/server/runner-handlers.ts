import type { TerminalManager } from '../terminal/terminal-manager.js';
import type { FileService } from '../workspace/file-service.js';
import type { ActivityTracker } from './activity-tracker.js';
import type { EventHandlers } from './event-router.js';
import { socketTerminalClient } from './socket-terminal-client.js';
import type { RunnerSocket } from './socket-types.js';

export interface HandlerDeps {
  files: FileService;
  terminals: TerminalManager;
  activity: ActivityTracker;
}

/** The protocol's events for one connected socket (design.md, "Files" and "Terminals"). */
export function runnerHandlers(socket: RunnerSocket, { files, terminals, activity }: HandlerDeps): EventHandlers {
  const client = socketTerminalClient(socket);
  return {
    fetchDir: (p) => files.fetchDir(p),
    fetchContent: async (p, ctx) => {
      const result = await files.fetchContent(p);
      if (!ctx.acked) socket.emit('file:content', { path: p.path, ...result });
      return result;
    },
    updateContent: (p) => files.updateContent(p),
    createFile: (p) => files.createFile(p),
    createDir: (p) => files.createDir(p),
    rename: (p) => files.rename(p),
    delete: (p) => files.delete(p),

    'terminal:create': async ({ cols, rows, id }) => {
      const session = terminals.create(cols, rows, id);
      // Created this tick, so no output exists yet: attach without replay, ack before any data.
      await terminals.attach(session, client, false);
      return { id: session.id };
    },
    'terminal:attach': async ({ id }) => {
      const session = terminals.get(id);
      await terminals.attach(session, client);
      return { id: session.id, cols: session.cols, rows: session.rows };
    },
    'terminal:list': () => ({ terminals: terminals.list() }),
    'terminal:write': async ({ id, data }) => {
      const session = id === undefined ? await terminals.defaultFor(client) : terminals.get(id);
      session.write(data);
      activity.touch();
      return {};
    },
    'terminal:resize': ({ id, cols, rows }) => {
      terminals.get(id).resize(cols, rows);
      return {};
    },
    'terminal:ack': ({ id, bytes }) => {
      // An ack racing a terminal's exit is normal: nothing to report.
      if (terminals.has(id)) terminals.get(id).ack(client.key, bytes);
      return {};
    },
    'terminal:close': async ({ id }) => {
      await terminals.close(id);
      return {};
    },
  };
}
