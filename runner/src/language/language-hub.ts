import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FileChange, JsonRpcMessage, type LanguageServerId, type LanguageStatusPush } from '@cubicle/protocol';
import type { Logger } from '../log.js';
import { sessionUsage } from '../support/process-stats.js';
import { LANGUAGE_SERVER_IDLE_MS } from '../tuning.js';
import type { LanguageClientSession } from './language-client-session.js';
import type { LanguageServer } from './language-server.js';
import { languageServerSpec } from './language-server-catalog.js';

/** The server side, loaded on first use: a repl nobody edits code in never pays for it (vscode-jsonrpc's ~40 ms at start). */
interface ServerModules {
  LanguageServer: typeof LanguageServer;
  LanguageClientSession: typeof LanguageClientSession;
}

/** A connected client, as the hub talks to it. */
export interface LanguageClient {
  key: string;
  send(language: LanguageServerId, message: string): void;
}

export interface LanguageHubOptions {
  workspaceDir: string;
  env(): NodeJS.ProcessEnv;
  maxFileBytes: number;
  log: Logger;
  /** Every client hears every server's state. */
  onStatus(status: LanguageStatusPush): void;
}

// LSP's FileChangeType: Created = 1, Changed = 2, Deleted = 3.
const WATCHED_CHANGE: Record<FileChange['type'], number | null> = {
  add: 1,
  change: 2,
  unlink: 3,
  addDir: null,
  unlinkDir: 3,
};

/**
 * The repl's language servers (docs/protocol.md, "Language servers"): one per language, started
 * by the first client that asks, shared by all, told about files the shell changes, stopped
 * after LANGUAGE_SERVER_IDLE_MS with nothing open.
 */
export class LanguageHub {
  private readonly servers = new Map<LanguageServerId, LanguageServer>();
  /** Per client key, its session with each language it talks to. */
  private readonly sessions = new Map<
    string,
    Map<LanguageServerId, { session: LanguageClientSession; client: LanguageClient }>
  >();
  private readonly idleTimer: NodeJS.Timeout;
  private modules: ServerModules | null = null;
  private loading: Promise<ServerModules> | null = null;

  constructor(private readonly opts: LanguageHubOptions) {
    this.idleTimer = setInterval(() => void this.stopIdle(), Math.min(LANGUAGE_SERVER_IDLE_MS, 60_000));
    this.idleTimer.unref();
  }

  get rootUri(): string {
    return pathToFileURL(this.opts.workspaceDir).href;
  }

  /** A client's message for `language` (already a string within the socket's frame limit). */
  receive(client: LanguageClient, language: LanguageServerId, text: string): void {
    let parsed: JsonRpcMessage;
    try {
      parsed = JsonRpcMessage.parse(JSON.parse(text));
    } catch {
      this.opts.log.debug({ language }, 'a message that is not JSON-RPC was dropped');
      return;
    }
    // Handled in arrival order: messages that came while the modules loaded run first, together.
    if (this.modules) this.session(this.modules, client, language).handle(parsed);
    else void this.load().then((modules) => this.session(modules, client, language).handle(parsed));
  }

  async restart(language: LanguageServerId): Promise<void> {
    await this.server(await this.load(), language).restart();
  }

  /** A client disconnected. */
  leave(clientKey: string): void {
    for (const { session } of this.sessions.get(clientKey)?.values() ?? []) session.close();
    this.sessions.delete(clientKey);
  }

  statuses(): LanguageStatusPush[] {
    return [...this.servers.values()].map((s) => s.status());
  }

  /** Files the shell, git or another tab changed: each running server hears of them. */
  filesChanged(changes: FileChange[]): void {
    if (this.servers.size === 0) return; // (the watcher's hot path: nothing to tell)
    const events = changes.flatMap((c) => {
      const type = WATCHED_CHANGE[c.type];
      return type === null ? [] : [{ uri: pathToFileURL(path.join(this.opts.workspaceDir, c.path)).href, type }];
    });
    if (events.length === 0) return;
    for (const server of this.servers.values()) server.notify('workspace/didChangeWatchedFiles', { changes: events });
  }

  /** Resident memory of each running server and what it started (for /metrics). */
  memory(): Array<{ language: LanguageServerId; rssBytes: number }> {
    return [...this.servers.values()].flatMap((s) =>
      s.pid === null ? [] : [{ language: s.id, rssBytes: sessionUsage(s.pid).rssBytes }],
    );
  }

  async closeAll(): Promise<void> {
    clearInterval(this.idleTimer);
    await Promise.all([...this.servers.values()].map((s) => s.stop()));
  }

  private load(): Promise<ServerModules> {
    this.loading ??= Promise.all([import('./language-server.js'), import('./language-client-session.js')]).then(
      ([server, session]) => {
        this.modules = { LanguageServer: server.LanguageServer, LanguageClientSession: session.LanguageClientSession };
        return this.modules;
      },
    );
    return this.loading;
  }

  private server(modules: ServerModules, language: LanguageServerId): LanguageServer {
    let server = this.servers.get(language);
    if (!server) {
      server = new modules.LanguageServer({
        spec: languageServerSpec(language),
        workspaceDir: this.opts.workspaceDir,
        env: this.opts.env,
        log: this.opts.log,
        onStatus: this.opts.onStatus,
        onNotification: (method, params) => this.toClients(language, { jsonrpc: '2.0', method, params }),
      });
      this.servers.set(language, server);
    }
    return server;
  }

  private session(modules: ServerModules, client: LanguageClient, language: LanguageServerId): LanguageClientSession {
    let mine = this.sessions.get(client.key);
    if (!mine) {
      mine = new Map();
      this.sessions.set(client.key, mine);
    }
    let entry = mine.get(language);
    if (!entry) {
      const session = new modules.LanguageClientSession(
        this.server(modules, language),
        client.key,
        (message) => client.send(language, JSON.stringify(message)),
        { maxFileBytes: this.opts.maxFileBytes, log: this.opts.log },
      );
      entry = { session, client };
      mine.set(language, entry);
    }
    return entry.session;
  }

  /** A server's notification goes to every client talking to that language. */
  private toClients(language: LanguageServerId, message: unknown): void {
    const text = JSON.stringify(message);
    for (const mine of this.sessions.values()) mine.get(language)?.client.send(language, text);
  }

  private async stopIdle(): Promise<void> {
    const now = Date.now();
    for (const server of this.servers.values()) {
      if (server.pid !== null && now - server.idleSince > LANGUAGE_SERVER_IDLE_MS) {
        this.opts.log.info({ language: server.id }, 'stopping an idle language server');
        await server.stop();
      }
    }
  }
}
