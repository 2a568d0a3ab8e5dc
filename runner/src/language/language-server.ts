import { type ChildProcess, spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import {
  LANGUAGE_REQUEST_TIMEOUT_MS,
  LANGUAGE_SERVER_START_TIMEOUT_MS,
  type LanguageServerState,
  type LanguageStatusPush,
} from '@cubicle/protocol';
import {
  type CancellationToken,
  createMessageConnection,
  ErrorCodes,
  type MessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node.js';
import type { Logger } from '../log.js';
import {
  LANGUAGE_SERVER_BACKOFF_MAX_MS,
  LANGUAGE_SERVER_BACKOFF_MIN_MS,
  LANGUAGE_SERVER_MAX_CRASHES,
  LANGUAGE_SERVER_STDERR_LINES,
  LANGUAGE_SERVER_STOP_GRACE_MS,
} from '../tuning.js';
import type { LanguageServerSpec } from './language-server-catalog.js';
import { SharedDocuments } from './shared-documents.js';

/** What a server answered to `initialize`, as the runner keeps it for every client. */
export interface ServerInitialized {
  capabilities: Record<string, unknown>;
  serverInfo?: unknown;
}

export interface LanguageServerOptions {
  spec: LanguageServerSpec;
  workspaceDir: string;
  /** The repl's environment (PATH, the project's variables): a server finds the same toolchain as the shell. */
  env(): NodeJS.ProcessEnv;
  log: Logger;
  onStatus(status: LanguageStatusPush): void;
  /** A notification from the server (diagnostics, progress, log messages), for the clients. */
  onNotification(method: string, params: unknown): void;
  /** How long a start may take (LANGUAGE_SERVER_START_TIMEOUT_MS unless a test says otherwise). */
  startTimeoutMs?: number;
}

/** A server that stays up this long after it is ready has its crash count forgiven. */
const STABLE_AFTER_MS = 30_000;

/**
 * One language server process: started with the first client's `initialize`, restarted with
 * backoff when it crashes (its documents reopened from SharedDocuments), `crashed` after
 * LANGUAGE_SERVER_MAX_CRASHES in a row until someone restarts it. The runner answers the server's
 * own requests (configuration, registrations, progress) itself: clients only see notifications
 * and the answers to their requests.
 */
export class LanguageServer {
  readonly documents = new SharedDocuments();
  private state: LanguageServerState = 'stopped';
  private message: string | null = null;
  private child: ChildProcess | null = null;
  private connection: MessageConnection | null = null;
  private starting: Promise<ServerInitialized> | null = null;
  private clientParams: Record<string, unknown> | null = null;
  private stderr: string[] = [];
  private crashes = 0;
  private readyAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private lastUsed = Date.now();

  constructor(private readonly opts: LanguageServerOptions) {}

  get id() {
    return this.opts.spec.id;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get rootUri(): string {
    return pathToFileURL(this.opts.workspaceDir).href;
  }

  get idleSince(): number {
    return this.documents.size > 0 ? Date.now() : this.lastUsed;
  }

  status(): LanguageStatusPush {
    const crashed = this.state === 'crashed';
    return { language: this.id, state: this.state, message: this.message, stderr: crashed ? [...this.stderr] : [] };
  }

  /**
   * The server's `initialize` answer, starting it if it is not running. The first client's
   * parameters (its capabilities) are used; the workspace, the process id and the options are the runner's.
   */
  initialize(clientParams: Record<string, unknown>): Promise<ServerInitialized> {
    this.lastUsed = Date.now();
    this.clientParams ??= clientParams;
    if (this.crashes >= LANGUAGE_SERVER_MAX_CRASHES) {
      return Promise.reject(new ResponseError(ErrorCodes.InternalError, `the ${this.id} language server crashed`));
    }
    this.starting ??= this.start();
    return this.starting;
  }

  /** A client's request, answered by the server or an error within LANGUAGE_REQUEST_TIMEOUT_MS. */
  async request(method: string, params: unknown, token: CancellationToken): Promise<unknown> {
    this.lastUsed = Date.now();
    await this.initialize(this.clientParams ?? {});
    const connection = this.connection;
    if (!connection) throw new ResponseError(ErrorCodes.InternalError, `the ${this.id} language server is not running`);
    return within(
      connection.sendRequest(method, params, token),
      LANGUAGE_REQUEST_TIMEOUT_MS,
      () =>
        new ResponseError(ErrorCodes.InternalError, `the ${this.id} language server did not answer ${method} in time`),
    );
  }

  /** A notification to the server; dropped while it is not running (documents are reopened at start). */
  notify(method: string, params: unknown): void {
    this.lastUsed = Date.now();
    if (this.state === 'ready') void this.connection?.sendNotification(method, params);
  }

  /** A fresh start: the crash count is forgotten, open documents are reopened. */
  async restart(): Promise<void> {
    await this.stop();
    this.crashes = 0;
    if (this.clientParams) await this.initialize(this.clientParams);
  }

  /** `shutdown` and `exit`, then the process group is killed if it is still there. */
  async stop(): Promise<void> {
    this.cancelRestart();
    const { child, connection } = this;
    this.child = null;
    this.connection = null;
    this.starting = null;
    this.setState('stopped', null);
    if (!child) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    try {
      await Promise.race([
        (async () => {
          await connection?.sendRequest('shutdown');
          await connection?.sendNotification('exit');
        })(),
        new Promise((resolve) => setTimeout(resolve, LANGUAGE_SERVER_STOP_GRACE_MS)),
      ]);
    } catch {
      // It may already be gone: the kill below makes sure.
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, LANGUAGE_SERVER_STOP_GRACE_MS))]);
    killGroup(child);
    connection?.dispose();
  }

  private async start(): Promise<ServerInitialized> {
    const { spec, workspaceDir, log } = this.opts;
    this.cancelRestart();
    this.setState('starting', null);
    this.stderr = [];
    // Its own process group: TypeScript's server starts helpers of its own, and all end together.
    const child = spawn(spec.command[0] ?? process.execPath, spec.command.slice(1), {
      cwd: workspaceDir,
      env: this.opts.env(),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    this.connection = connection;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => this.keepStderr(chunk));
    child.once('error', (err) => this.keepStderr(`${err.message}\n`));
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    connection.onRequest((method, params) => this.answerServer(method, params));
    connection.onNotification((method, params) => this.opts.onNotification(method, params));
    connection.onError(([err]) => log.debug({ err, language: spec.id }, 'language server stream error'));
    connection.listen();

    const init = await this.answerToInitialize(child, connection);
    if (this.connection !== connection) throw new ResponseError(ErrorCodes.InternalError, 'the server was stopped');
    await connection.sendNotification('initialized', {});
    await connection.sendNotification('workspace/didChangeConfiguration', { settings: spec.settings });
    this.setState('ready', null);
    this.readyAt = Date.now();
    for (const notice of this.documents.reopenAll()) await connection.sendNotification(notice.method, notice.params);
    log.info({ language: spec.id, pid: child.pid }, 'language server ready');
    return init;
  }

  /**
   * The server's answer to `initialize`, or an error once the start budget is spent: the stuck
   * process is killed, and its exit is counted as a crash (restart with backoff, as for any crash).
   */
  private answerToInitialize(child: ChildProcess, connection: MessageConnection): Promise<ServerInitialized> {
    const budget = this.opts.startTimeoutMs ?? LANGUAGE_SERVER_START_TIMEOUT_MS;
    const seconds = Math.round(budget / 1000);
    const answer = connection.sendRequest('initialize', this.initializeParams()) as Promise<ServerInitialized>;
    return within(answer, budget, () => {
      this.keepStderr(`(Cubicle) no answer to initialize in ${seconds} s: the server was stopped\n`);
      killGroup(child);
      return new ResponseError(
        ErrorCodes.InternalError,
        `the ${this.id} language server did not start in ${seconds} s`,
      );
    });
  }

  private initializeParams() {
    const rootUri = this.rootUri;
    const name = rootUri.slice(rootUri.lastIndexOf('/') + 1) || 'workspace';
    const client = this.clientParams ?? {};
    const capabilities = (client.capabilities ?? {}) as Record<string, Record<string, unknown>>;
    // Diagnostics are pushed, so that every client of the repl gets them: pull support is not passed on.
    const { diagnostic: _pull, ...textDocument } = capabilities.textDocument ?? {};
    return {
      ...client,
      processId: process.pid,
      rootUri,
      rootPath: this.opts.workspaceDir,
      workspaceFolders: [{ uri: rootUri, name }],
      initializationOptions: this.opts.spec.initializationOptions,
      capabilities: {
        ...capabilities,
        textDocument,
        // The runner answers these itself, so the server may rely on them whatever the client says.
        workspace: {
          ...(capabilities.workspace ?? {}),
          configuration: true,
          workspaceFolders: true,
          didChangeWatchedFiles: { dynamicRegistration: false },
        },
      },
    };
  }

  /** The server's own requests: the runner speaks for every client. */
  private answerServer(method: string, params: unknown): unknown {
    switch (method) {
      case 'workspace/configuration': {
        const items = (params as { items?: Array<{ section?: string }> }).items ?? [];
        return items.map((item) =>
          item.section ? (this.opts.spec.settings[item.section] ?? null) : this.opts.spec.settings,
        );
      }
      case 'workspace/workspaceFolders':
        return [{ uri: this.rootUri, name: 'workspace' }];
      case 'client/registerCapability':
      case 'client/unregisterCapability':
      case 'window/workDoneProgress/create':
      case 'window/showMessageRequest':
        return null;
      case 'workspace/applyEdit':
        return { applied: false, failureReason: 'Cubicle applies edits from the editor, not from the server' };
      default:
        return new ResponseError(ErrorCodes.MethodNotFound, `${method} is not handled by Cubicle`);
    }
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return; // stopped on purpose
    killGroup(child);
    this.connection?.dispose();
    this.child = null;
    this.connection = null;
    this.starting = null;
    if (this.state === 'ready' && Date.now() - this.readyAt > STABLE_AFTER_MS) this.crashes = 0;
    this.crashes++;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    this.opts.log.warn({ language: this.id, code, signal, crashes: this.crashes }, 'language server exited');
    if (this.crashes >= LANGUAGE_SERVER_MAX_CRASHES) {
      this.setState('crashed', `The ${this.id} language server ${how}, ${this.crashes} times in a row.`);
      return;
    }
    const delay = Math.min(LANGUAGE_SERVER_BACKOFF_MAX_MS, LANGUAGE_SERVER_BACKOFF_MIN_MS * 2 ** (this.crashes - 1));
    this.setState('crashed', `The ${this.id} language server ${how}; it restarts in ${Math.ceil(delay / 1000)} s.`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.clientParams) return;
      this.initialize(this.clientParams).catch((err: unknown) =>
        this.opts.log.warn({ err, language: this.id }, 'language server restart failed'),
      );
    }, delay);
    this.restartTimer.unref();
  }

  private cancelRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private keepStderr(chunk: string): void {
    for (const line of chunk.split('\n')) if (line.trim()) this.stderr.push(line);
    if (this.stderr.length > LANGUAGE_SERVER_STDERR_LINES)
      this.stderr.splice(0, this.stderr.length - LANGUAGE_SERVER_STDERR_LINES);
  }

  private setState(state: LanguageServerState, message: string | null): void {
    this.state = state;
    this.message = message;
    this.opts.onStatus(this.status());
  }
}

/** `work`'s outcome, or `onTimeout()`'s error once `ms` have passed first (the timer ends with the work). */
async function within<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function killGroup(child: ChildProcess): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
