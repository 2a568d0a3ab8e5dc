/** One document as the language server knows it: the latest text any client sent. */
interface SharedDocument {
  languageId: string;
  text: string;
  /** The runner's own version count: clients' versions are their own business. */
  version: number;
  openers: Set<string>;
}

/** What the server must be told, in LSP's words. */
export type DocumentNotice =
  | {
      method: 'textDocument/didOpen';
      params: { textDocument: { uri: string; languageId: string; version: number; text: string } };
    }
  | {
      method: 'textDocument/didChange';
      params: { textDocument: { uri: string; version: number }; contentChanges: [{ text: string }] };
    }
  | { method: 'textDocument/didClose'; params: { textDocument: { uri: string } } };

/**
 * The documents open in one language server, shared by every client of the repl. A server knows
 * a document once, whoever opened it: a second opener or a change from any tab is a full-text
 * `didChange` with the runner's version, and only the last close closes it. Clients are told to
 * send full text (the runner answers `initialize` with full sync), so the runner always holds the
 * exact text and can reopen every document in a server that restarted.
 */
export class SharedDocuments {
  private readonly docs = new Map<string, SharedDocument>();

  open(client: string, uri: string, languageId: string, text: string): DocumentNotice | null {
    const doc = this.docs.get(uri);
    if (!doc) {
      this.docs.set(uri, { languageId, text, version: 1, openers: new Set([client]) });
      return { method: 'textDocument/didOpen', params: { textDocument: { uri, languageId, version: 1, text } } };
    }
    doc.openers.add(client);
    return doc.text === text ? null : this.change(uri, text);
  }

  change(uri: string, text: string): DocumentNotice | null {
    const doc = this.docs.get(uri);
    if (!doc) return null; // a change to a document nobody opened: the server would not know it either
    doc.text = text;
    doc.version++;
    return {
      method: 'textDocument/didChange',
      params: { textDocument: { uri, version: doc.version }, contentChanges: [{ text }] },
    };
  }

  close(client: string, uri: string): DocumentNotice | null {
    const doc = this.docs.get(uri);
    if (!doc?.openers.delete(client) || doc.openers.size > 0) return null;
    this.docs.delete(uri);
    return { method: 'textDocument/didClose', params: { textDocument: { uri } } };
  }

  /** A client went away: what it alone had open is closed. */
  closeAll(client: string): DocumentNotice[] {
    return [...this.docs.keys()].flatMap((uri) => this.close(client, uri) ?? []);
  }

  /** Every open document as a `didOpen`, for a server that (re)started. */
  reopenAll(): DocumentNotice[] {
    return [...this.docs].map(([uri, doc]) => ({
      method: 'textDocument/didOpen' as const,
      params: { textDocument: { uri, languageId: doc.languageId, version: doc.version, text: doc.text } },
    }));
  }

  isOpen(uri: string): boolean {
    return this.docs.has(uri);
  }

  get size(): number {
    return this.docs.size;
  }
}
