import { type LSPClient, LSPPlugin, Workspace, type WorkspaceFile } from '@codemirror/lsp-client';
import type { Text } from '@codemirror/state';
import type { EditorView } from '@codemirror/view';
import { pathOfUri } from './workspace-uri';

/** What the IDE does for the language client: put a workspace file in front of the person. */
export interface WorkspaceHost {
  /** Opens `path` in a tab (or shows its tab) and resolves with its editor once it has one. */
  display(path: string): Promise<EditorView | null>;
  /** A workspace file's text, read without opening it (null when it cannot be read as text). */
  read(path: string): Promise<string | null>;
}

/** What syncFiles reports per changed file (the library does not export the type). */
type WorkspaceFileUpdate = ReturnType<Workspace['syncFiles']>[number];

class IdeWorkspaceFile implements WorkspaceFile {
  constructor(
    readonly uri: string,
    readonly languageId: string,
    public version: number,
    public doc: Text,
    readonly view: EditorView,
  ) {}

  getView(): EditorView {
    return this.view;
  }
}

/**
 * The IDE's tabs as the language client's workspace: one editor per file (a tab keeps its view),
 * and a jump into another file (go to definition) opens that file's tab.
 *
 * Nothing is sent before the server has answered the client's current `initialize`: lsp-client
 * queues notifications behind that answer with no handler for its failure, so each one would be
 * an uncaught error when a start fails or a reconnect's `initialize` is lost with the socket.
 * Once it is answered, every open file is sent whole (the runner syncs full text).
 */
export class IdeWorkspace extends Workspace {
  files: IdeWorkspaceFile[] = [];
  private readonly versions = new Map<string, number>();
  private initialized = false;

  constructor(
    client: LSPClient,
    private readonly rootUri: string,
    private readonly host: WorkspaceHost,
  ) {
    super(client);
  }

  override connected(): void {
    const init = this.client.initializing;
    init.then(
      () => {
        if (this.client.initializing !== init) return; // disconnected meanwhile
        this.initialized = true;
        for (const file of this.files) {
          this.catchUp(file);
          this.client.didOpen(file);
        }
      },
      () => {}, // LanguageClients tries again; meanwhile the files wait here
    );
  }

  override disconnected(): void {
    this.initialized = false;
  }

  syncFiles(): readonly WorkspaceFileUpdate[] {
    if (!this.initialized) return []; // the edits wait in each editor, and are sent whole at the next connection
    const updates: WorkspaceFileUpdate[] = [];
    for (const file of this.files) {
      const plugin = LSPPlugin.get(file.view);
      if (!plugin || plugin.unsyncedChanges.empty) continue;
      updates.push({ file, prevDoc: file.doc, changes: plugin.unsyncedChanges });
      this.catchUp(file);
    }
    return updates;
  }

  openFile(uri: string, languageId: string, view: EditorView): void {
    if (this.getFile(uri)) this.closeFile(uri); // the tab's view was replaced (a reload from disk)
    const file = new IdeWorkspaceFile(uri, languageId, this.nextVersion(uri), view.state.doc, view);
    this.files.push(file);
    if (this.initialized) this.client.didOpen(file);
  }

  closeFile(uri: string): void {
    const file = this.getFile(uri);
    if (!file) return;
    this.files = this.files.filter((f) => f !== file);
    if (this.initialized) this.client.didClose(uri);
  }

  /** The workspace path of a URI, or null for one outside the workspace. */
  pathOf(uri: string): string | null {
    return pathOfUri(this.rootUri, uri);
  }

  override async displayFile(uri: string): Promise<EditorView | null> {
    const path = this.pathOf(uri);
    return path === null ? null : this.host.display(path);
  }

  /** The file as its editor has it now, its edits counted as sent: after a sync, and before a (re)open. */
  private catchUp(file: IdeWorkspaceFile): void {
    file.doc = file.view.state.doc;
    file.version = this.nextVersion(file.uri);
    LSPPlugin.get(file.view)?.clear();
  }

  private nextVersion(uri: string): number {
    const next = (this.versions.get(uri) ?? -1) + 1;
    this.versions.set(uri, next);
    return next;
  }
}
