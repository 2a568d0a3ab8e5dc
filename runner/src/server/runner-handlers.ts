import type { LanguageServerId, SearchMatch } from '@cubicle/protocol';
import type { GitService } from '../git/git-service.js';
import type { LanguageHub } from '../language/language-hub.js';
import type { ProcessCommands } from '../processes/process-commands.js';
import type { ProcessManager } from '../processes/process-manager.js';
import type { RunService } from '../runs/run-service.js';
import { searchText, type TextSearchOptions } from '../search/text-search.js';
import type { StreamTickets } from '../terminal/stream-tickets.js';
import type { TerminalManager } from '../terminal/terminal-manager.js';
import type { FileService } from '../workspace/file-service.js';
import type { ActivityTracker } from './activity-tracker.js';
import type { EventHandlers } from './event-router.js';
import { socketTerminalClient } from './socket-terminal-client.js';
import type { RunnerSocket } from './socket-types.js';

export interface HandlerDeps {
  files: FileService;
  terminals: TerminalManager;
  /** Tickets for terminal streams, which `stream: true` asks for. */
  streamTickets: StreamTickets;
  activity: ActivityTracker;
  processes: ProcessManager;
  runs: RunService;
  /** Process and run commands, shared with the REST API. */
  commands: ProcessCommands;
  search: TextSearchOptions;
  git: GitService;
  languages: LanguageHub;
  /** The ports listening in the repl now. */
  ports(): number[];
}

/** The protocol's events for one connected socket (docs/protocol.md, "Socket.io contract"). */
export function runnerHandlers(
  socket: RunnerSocket,
  { files, terminals, streamTickets, activity, processes, runs, commands, search, ports, git, languages }: HandlerDeps,
): EventHandlers {
  // One search at a time per socket: a newer one (the person typed on) cancels the last.
  let searching: { id: string; abort: AbortController } | null = null;
  socket.on('disconnect', () => searching?.abort.abort());
  const client = socketTerminalClient(socket);
  const languageClient = {
    key: socket.id,
    send: (language: LanguageServerId, message: string) => socket.emit('lsp:message', { language, message }),
  };
  return {
    'lsp:start': () => ({ rootUri: languages.rootUri }),
    'lsp:restart': async ({ language }) => {
      await languages.restart(language);
      return {};
    },
    'lsp:message': ({ language, message }) => {
      languages.receive(languageClient, language, message);
      return {};
    },
    fetchDir: (p) => files.fetchDir(p),
    listFiles: () => files.listFiles(),
    'ports:list': () => ({ ports: ports().map((port) => ({ port })) }),
    'git:status': () => git.status(),
    'git:diff': ({ path }) => git.diff(path),
    'git:stage': async ({ paths }) => {
      await git.stage(paths);
      return {};
    },
    'git:unstage': async ({ paths }) => {
      await git.unstage(paths);
      return {};
    },
    'git:commit': ({ message }) => git.commit(message),
    'git:branches': () => git.branches(),
    'git:checkout': async ({ branch, create }) => {
      await git.checkout(branch, create);
      return {};
    },
    'git:push': () => git.push(),
    'git:pull': () => git.pull(),
    'search:start': async (req) => {
      searching?.abort.abort();
      const mine = { id: req.id, abort: new AbortController() };
      searching = mine;
      try {
        const onFile = (path: string, matches: SearchMatch[]) =>
          socket.emit('search:result', { id: req.id, path, matches });
        const outcome = await searchText(req, search, onFile, mine.abort.signal);
        return { id: req.id, ...outcome, canceled: mine.abort.signal.aborted };
      } finally {
        if (searching === mine) searching = null;
      }
    },
    'search:cancel': ({ id }) => {
      if (searching?.id === id) searching.abort.abort();
      return {};
    },
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

    'terminal:create': async ({ cols, rows, id, binary, stream }) => {
      const session = terminals.create(cols, rows, id);
      // A stream replays from its first frame, so output made before it opens is not lost.
      if (stream) return { id: session.id, ticket: streamTickets.issue({ terminalId: session.id, binary: !!binary }) };
      // Created this tick, so no output exists yet: attach without replay, ack before any data.
      await terminals.attach(session, client, { replay: false, binary });
      return { id: session.id };
    },
    'terminal:attach': async ({ id, binary, stream }) => {
      const session = terminals.get(id);
      const size = { id: session.id, cols: session.cols, rows: session.rows };
      if (stream) return { ...size, ticket: streamTickets.issue({ terminalId: session.id, binary: !!binary }) };
      await terminals.attach(session, client, { binary });
      return size;
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

    'process:list': () => ({ processes: processes.list(), config: processes.status }),
    'process:start': ({ name }) => commands.control(name, 'start'),
    'process:stop': ({ name }) => commands.control(name, 'stop'),
    'process:restart': ({ name }) => commands.control(name, 'restart'),
    'process:logs': ({ name, limit }) => commands.logs(name, limit),
    'process:clearLogs': ({ name }) => {
      commands.clearLogs(name);
      return {};
    },
    'run:start': (request) => commands.startRun(request, 'ide'),
    'run:list': ({ limit, before }) => runs.list(limit, before),
    'run:get': async ({ id }) => ({ run: await runs.get(id) }),
    'run:cancel': async ({ id }) => ({ run: await runs.cancel(id) }),
    'run:logs': async ({ id, after }) => ({ lines: await runs.logs(id, after) }),
  };
}
