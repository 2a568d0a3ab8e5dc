import {
  formatKeymap,
  hoverTooltips,
  jumpToDefinitionKeymap,
  LSPClient,
  serverCompletion,
  serverDiagnostics,
  signatureHelp,
} from '@codemirror/lsp-client';
import type { Extension } from '@codemirror/state';
import { type EditorView, keymap } from '@codemirror/view';
import { type LanguageServerId, type LanguageStatusPush, languageOfPath } from '@cubicle/protocol';
import { LANGUAGE_CLIENT_TIMEOUT_MS, LANGUAGE_REINITIALIZE_DELAY_MS } from '../../tuning';
import { findReferencesAt, type ReferenceList } from './find-references';
import { IdeWorkspace, type WorkspaceHost } from './ide-workspace';
import { type FileEditor, renameSymbol } from './rename-symbol';
import { type LanguageConnection, RunnerLspTransport } from './runner-lsp-transport';
import { pathOfUri, uriOfPath } from './workspace-uri';

/** One diagnostic as the Problems list shows it (1-based line and column). */
export interface Problem {
  path: string;
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
  source: string | null;
}

interface Connected {
  language: LanguageServerId;
  client: LSPClient;
  rootUri: string;
  transport: RunnerLspTransport;
}

interface PublishedDiagnostics {
  uri: string;
  diagnostics: Array<{
    range: { start: { line: number; character: number } };
    severity?: number;
    message: string;
    source?: string;
  }>;
}

const SEVERITY: Record<number, Problem['severity']> = { 1: 'error', 2: 'warning', 3: 'info', 4: 'info' };

/**
 * The IDE's language clients, one per language server, made when the first file of that
 * language opens (docs/architecture.md, "Code intelligence"). Also what the status bar and the
 * Problems list show: each server's state and every published diagnostic.
 */
export class LanguageClients {
  readonly statuses = new Map<LanguageServerId, LanguageStatusPush>();
  readonly problems = new Map<string, Problem[]>();
  /** The last Shift+F12's answer, for the References tab. */
  references: ReferenceList | null = null;
  /** What a references search says when it fails. */
  referencesError: string | null = null;
  revision = 0;
  private readonly clients = new Map<LanguageServerId, Promise<Connected | null>>();
  /** Clients whose `initialize` failed after a reconnect: they try again when their server is ready. */
  private readonly uninitialized = new Set<Connected>();
  private readonly listeners = new Set<() => void>();
  private readonly offs: Array<() => void> = [];

  constructor(
    private readonly connection: LanguageConnection,
    private readonly host: WorkspaceHost & FileEditor,
  ) {
    this.offs.push(
      connection.on('lsp:status', (status) => {
        this.statuses.set(status.language, status);
        if (status.state === 'ready') {
          for (const c of this.uninitialized) if (c.language === status.language) this.reconnect(c);
        }
        this.changed();
      }),
      // A new socket is a new session on the runner: each client initializes again and reopens its
      // files. While away, a client is disconnected, so edits wait in the editors.
      connection.onState((state) => {
        for (const pending of this.clients.values()) {
          void pending.then((c) => {
            if (!c) return;
            if (state === 'connected') this.reconnect(c);
            else c.client.disconnect();
          });
        }
      }),
    );
  }

  /** The editor extension that connects `path`'s editor to its language server, or null if none serves it. */
  async extensionFor(path: string): Promise<Extension | null> {
    const language = languageOfPath(path);
    if (!language) return null;
    const connected = await this.client(language.server);
    if (!connected) return null;
    return connected.client.plugin(uriOfPath(connected.rootUri, path), language.languageId);
  }

  /** Shift+F12: every reference to the symbol at the cursor, into the References tab. */
  async findReferences(view: EditorView): Promise<void> {
    try {
      const found = await findReferencesAt(view, (path) => this.host.read(path));
      if (!found) return;
      this.references = found;
      this.referencesError = null;
    } catch (err) {
      this.referencesError = `Finding references failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.changed();
  }

  async restart(language: LanguageServerId): Promise<void> {
    await this.connection.request('lsp:restart', { language });
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.uninitialized.clear();
    for (const pending of this.clients.values()) {
      void pending.then((c) => {
        c?.client.disconnect();
        c?.transport.close();
      });
    }
    this.listeners.clear();
  }

  private client(language: LanguageServerId): Promise<Connected | null> {
    let pending = this.clients.get(language);
    if (!pending) {
      // No server (or no answer): the editor works without one, and the next file of it asks again.
      pending = this.connect(language).catch(() => {
        this.clients.delete(language);
        return null;
      });
      this.clients.set(language, pending);
    }
    return pending;
  }

  private async connect(language: LanguageServerId): Promise<Connected> {
    const { rootUri } = await this.connection.request('lsp:start', { language });
    const transport = new RunnerLspTransport(this.connection, language);
    const client = new LSPClient({
      rootUri,
      timeout: LANGUAGE_CLIENT_TIMEOUT_MS,
      workspace: (c) => new IdeWorkspace(c, rootUri, this.host),
      notificationHandlers: {
        'textDocument/publishDiagnostics': (_client, params: PublishedDiagnostics) => {
          this.publish(rootUri, params);
          return false; // the editor's own handler still draws the squiggles
        },
      },
      extensions: [
        serverCompletion(),
        hoverTooltips(),
        signatureHelp(),
        serverDiagnostics(),
        keymap.of([
          ...formatKeymap,
          ...jumpToDefinitionKeymap,
          {
            key: 'Shift-F12',
            preventDefault: true,
            run: (view) => {
              void this.findReferences(view);
              return true;
            },
          },
        ]),
        renameSymbol(this.host),
      ],
    });
    client.connect(transport);
    // No editor is given the client before its server answered `initialize`: lsp-client queues an
    // editor's notifications behind that answer, and a failed start would leave each one an
    // uncaught error. A failed start leaves the editor without a server (the status bar says why).
    try {
      await client.initializing;
    } catch (err) {
      client.disconnect();
      transport.close();
      throw err;
    }
    return { language, client, rootUri, transport };
  }

  /** A new session on the runner: `initialize` again (the workspace reopens its files once answered). */
  private reconnect(connected: Connected): void {
    const { language, client, transport } = connected;
    this.uninitialized.delete(connected);
    if (this.connection.state !== 'connected') return; // the next connection does it
    client.disconnect();
    client.connect(transport);
    const init = client.initializing;
    init.catch(() => {
      if (client.initializing !== init) return;
      this.uninitialized.add(connected);
      // Lost with the socket, if the server is ready: ask again. Otherwise its `ready` push will.
      if (this.statuses.get(language)?.state !== 'ready') return;
      setTimeout(() => {
        if (this.uninitialized.has(connected)) this.reconnect(connected);
      }, LANGUAGE_REINITIALIZE_DELAY_MS);
    });
  }

  private publish(rootUri: string, params: PublishedDiagnostics): void {
    const path = pathOfUri(rootUri, params.uri);
    if (path === null) return;
    const list = params.diagnostics.map((d) => ({
      path,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      severity: SEVERITY[d.severity ?? 1] ?? 'error',
      message: d.message,
      source: d.source ?? null,
    }));
    if (list.length === 0) this.problems.delete(path);
    else this.problems.set(path, list);
    this.changed();
  }

  private changed(): void {
    this.revision++;
    for (const listener of this.listeners) listener();
  }
}

/** Every problem, errors first, then by file and line. */
export function sortedProblems(clients: LanguageClients): Problem[] {
  const rank = { error: 0, warning: 1, info: 2 };
  return [...clients.problems.values()]
    .flat()
    .sort((a, b) => rank[a.severity] - rank[b.severity] || a.path.localeCompare(b.path) || a.line - b.line);
}
