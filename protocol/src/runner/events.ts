import type { z } from 'zod';
import type { Ack, EventErrorPush } from '../errors.js';
import type { RunnerLimits } from '../limits.js';
import type { FileContentPush, FileRefreshPush } from './files.js';
import * as files from './files.js';
import * as git from './git.js';
import type { LanguageMessage, LanguageStatusPush } from './language.js';
import * as language from './language.js';
import type { PortsChangedPush } from './ports.js';
import * as ports from './ports.js';
import type { ProcessLogPush, ProcessStatusPush } from './processes.js';
import * as processes from './processes.js';
import type { RunOutputPush } from './runs.js';
import * as runs from './runs.js';
import type { SearchResultPush } from './search.js';
import * as search from './search.js';
import type { SyncStatusPush } from './sync.js';
import type { TerminalDataPush, TerminalExitPush } from './terminals.js';
import * as terminals from './terminals.js';

/**
 * Every client→server event of the runner: the schema its payload must satisfy and the
 * shape of its ack result. The runner validates with `request`; clients type against both.
 */
export const runnerRequests = {
  fetchDir: { request: files.FetchDirRequest, result: files.FetchDirResult },
  listFiles: { request: files.ListFilesRequest, result: files.ListFilesResult },
  fetchContent: { request: files.FetchContentRequest, result: files.FileContent },
  updateContent: { request: files.UpdateContentRequest, result: files.VersionResult },
  createFile: { request: files.CreateFileRequest, result: files.VersionResult },
  createDir: { request: files.CreateDirRequest, result: files.EmptyResult },
  rename: { request: files.RenameRequest, result: files.EmptyResult },
  delete: { request: files.DeleteRequest, result: files.EmptyResult },
  'terminal:create': { request: terminals.TerminalCreateRequest, result: terminals.TerminalCreateResult },
  'terminal:attach': { request: terminals.TerminalAttachRequest, result: terminals.TerminalAttachResult },
  'terminal:list': { request: terminals.TerminalListRequest, result: terminals.TerminalListResult },
  'terminal:write': { request: terminals.TerminalWriteRequest, result: files.EmptyResult },
  'terminal:resize': { request: terminals.TerminalResizeRequest, result: files.EmptyResult },
  'terminal:ack': { request: terminals.TerminalAckRequest, result: files.EmptyResult },
  'terminal:close': { request: terminals.TerminalCloseRequest, result: files.EmptyResult },
  'process:list': { request: processes.ProcessListRequest, result: processes.ProcessListResult },
  'process:start': { request: processes.ProcessNameRequest, result: processes.ProcessResult },
  'process:stop': { request: processes.ProcessNameRequest, result: processes.ProcessResult },
  'process:restart': { request: processes.ProcessNameRequest, result: processes.ProcessResult },
  'process:logs': { request: processes.ProcessLogsRequest, result: processes.ProcessLogsResult },
  'process:clearLogs': { request: processes.ProcessNameRequest, result: files.EmptyResult },
  'run:start': { request: runs.RunStartRequest, result: runs.RunResult },
  'run:list': { request: runs.RunListRequest, result: runs.RunListResult },
  'run:get': { request: runs.RunIdRequest, result: runs.RunResult },
  'run:cancel': { request: runs.RunIdRequest, result: runs.RunResult },
  'run:logs': { request: runs.RunLogsRequest, result: runs.RunLogsResult },
  'ports:list': { request: ports.PortListRequest, result: ports.PortListResult },
  'git:status': { request: git.GitStatusRequest, result: git.GitStatus },
  'git:diff': { request: git.GitDiffRequest, result: git.GitDiff },
  'git:stage': { request: git.GitPathsRequest, result: files.EmptyResult },
  'git:unstage': { request: git.GitPathsRequest, result: files.EmptyResult },
  'git:commit': { request: git.GitCommitRequest, result: git.GitCommitResult },
  'git:branches': { request: git.GitBranchesRequest, result: git.GitBranches },
  'git:checkout': { request: git.GitCheckoutRequest, result: files.EmptyResult },
  'git:push': { request: git.GitRemoteRequest, result: git.GitOutput },
  'git:pull': { request: git.GitRemoteRequest, result: git.GitOutput },
  'search:start': { request: search.SearchStartRequest, result: search.SearchSummary },
  'search:cancel': { request: search.SearchCancelRequest, result: files.EmptyResult },
  'lsp:start': { request: language.LanguageStartRequest, result: language.LanguageStartResult },
  'lsp:restart': { request: language.LanguageRestartRequest, result: files.EmptyResult },
  'lsp:message': { request: language.LanguageMessage, result: files.EmptyResult },
} as const;

export type RunnerRequestEvent = keyof typeof runnerRequests;
export type RunnerRequest<E extends RunnerRequestEvent> = z.output<(typeof runnerRequests)[E]['request']>;
export type RunnerResult<E extends RunnerRequestEvent> = z.output<(typeof runnerRequests)[E]['result']>;

export function isRunnerRequestEvent(name: string): name is RunnerRequestEvent {
  return Object.hasOwn(runnerRequests, name);
}

/**
 * Events a client sends without waiting for an answer (keystrokes, resizes, flow-control acks).
 * The runner still answers them if an ack callback is passed, and pushes `runner:error` if not.
 */
export type RunnerFireAndForgetEvent =
  | 'terminal:write'
  | 'terminal:resize'
  | 'terminal:ack'
  | 'terminal:close'
  | 'search:cancel'
  | 'lsp:message';

/** Socket.io typing for clients: `io(url) as Socket<RunnerServerEvents, RunnerClientEvents>`. */
export type RunnerClientEvents = {
  [E in RunnerRequestEvent]: E extends RunnerFireAndForgetEvent
    ? (payload: z.input<(typeof runnerRequests)[E]['request']>) => void
    : (payload: z.input<(typeof runnerRequests)[E]['request']>, ack: (response: Ack<RunnerResult<E>>) => void) => void;
};

export interface RunnerServerEvents {
  /** At each connection: the limits this runner enforces (protocol/src/limits.ts). */
  'runner:limits': (push: RunnerLimits) => void;
  'file:refresh': (push: FileRefreshPush) => void;
  'file:content': (push: FileContentPush) => void;
  'terminal:data': (push: TerminalDataPush) => void;
  'terminal:exit': (push: TerminalExitPush) => void;
  'sync:status': (push: SyncStatusPush) => void;
  'process:status': (push: ProcessStatusPush) => void;
  'process:log': (push: ProcessLogPush) => void;
  'run:status': (push: runs.RunRecord) => void;
  'run:output': (push: RunOutputPush) => void;
  /** A port opened or closed in the repl: every port now listening. */
  'ports:changed': (push: PortsChangedPush) => void;
  /** One file's matches of a `search:start`, to the socket that searched. */
  'search:result': (push: SearchResultPush) => void;
  /** A failed event that carried no ack callback (e.g. `terminal:write` to an unknown id). */
  'runner:error': (push: EventErrorPush) => void;
  /** A language server's message to the clients (a response to one client, notifications to all). */
  'lsp:message': (push: LanguageMessage) => void;
  'lsp:status': (push: LanguageStatusPush) => void;
}
