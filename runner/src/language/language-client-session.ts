import type { JsonRpcMessage } from '@cubicle/protocol';
import { CancellationTokenSource, ErrorCodes, ResponseError } from 'vscode-jsonrpc/node.js';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { LanguageServer, ServerInitialized } from './language-server.js';

const TextDocumentId = z.object({ uri: z.string().min(1).max(4096) });
const DidOpen = z.object({ textDocument: TextDocumentId.extend({ languageId: z.string().max(64), text: z.string() }) });
const DidChange = z.object({
  textDocument: TextDocumentId,
  contentChanges: z.array(z.object({ text: z.string(), range: z.unknown().optional() })).min(1),
});
/** didClose and didSave: the document named, nothing else needed. */
const NamesDocument = z.object({ textDocument: TextDocumentId });
const CancelParams = z.object({ id: z.union([z.number(), z.string()]) });

/** TextDocumentSyncKind.Full: the runner keeps each document's whole text (SharedDocuments). */
const FULL_SYNC = 1;

/**
 * One client's conversation with one language server. Requests are forwarded (with their
 * cancellation) and answered to this client alone; `initialize` is answered from the server's
 * own answer, with full-text sync; document notifications go through the shared documents, so
 * that two tabs on one file are one document to the server.
 */
export class LanguageClientSession {
  private readonly pending = new Map<string | number, CancellationTokenSource>();

  constructor(
    private readonly server: LanguageServer,
    /** This client's key among the server's document openers. */
    private readonly clientKey: string,
    private readonly send: (message: unknown) => void,
    private readonly opts: { maxFileBytes: number; log: Logger },
  ) {}

  handle(msg: JsonRpcMessage): void {
    const { id, method } = msg;
    if (method === undefined) return; // a response: the runner sends clients no requests
    if (id !== undefined) {
      this.request(id, method, msg.params);
      return;
    }
    this.notification(method, msg.params);
  }

  /** The client is gone: its requests are canceled and the documents only it had open are closed. */
  close(): void {
    for (const source of this.pending.values()) source.cancel();
    this.pending.clear();
    for (const notice of this.server.documents.closeAll(this.clientKey))
      this.server.notify(notice.method, notice.params);
  }

  private request(id: string | number, method: string, params: unknown): void {
    if (method === 'initialize') {
      this.server.initialize((params ?? {}) as Record<string, unknown>).then(
        (init) => this.reply(id, withFullSync(init)),
        (err: unknown) => this.fail(id, err),
      );
      return;
    }
    if (method === 'shutdown') {
      this.reply(id, null); // the server's life is the runner's
      return;
    }
    const source = new CancellationTokenSource();
    this.pending.set(id, source);
    this.server
      .request(method, params ?? null, source.token)
      .then(
        (result) => this.reply(id, result ?? null),
        (err: unknown) => this.fail(id, err),
      )
      .finally(() => {
        this.pending.delete(id);
        source.dispose();
      });
  }

  private notification(method: string, params: unknown): void {
    const docs = this.server.documents;
    switch (method) {
      case 'initialized':
      case 'exit':
        return;
      case '$/cancelRequest': {
        const parsed = CancelParams.safeParse(params);
        if (parsed.success) this.pending.get(parsed.data.id)?.cancel();
        return;
      }
      case 'textDocument/didOpen': {
        const p = this.parse(DidOpen, method, params);
        if (!p || !this.fits(p.textDocument.uri, p.textDocument.text)) return;
        const { uri, languageId, text } = p.textDocument;
        this.forward(docs.open(this.clientKey, uri, languageId, text));
        return;
      }
      case 'textDocument/didChange': {
        const p = this.parse(DidChange, method, params);
        const full = p?.contentChanges.findLast((c) => c.range === undefined);
        if (!p || !full) return; // ranged changes: this client ignored the full sync it was told to use
        if (!this.fits(p.textDocument.uri, full.text)) return;
        this.forward(docs.change(p.textDocument.uri, full.text));
        return;
      }
      case 'textDocument/didClose': {
        const p = this.parse(NamesDocument, method, params);
        if (p) this.forward(docs.close(this.clientKey, p.textDocument.uri));
        return;
      }
      case 'textDocument/didSave': {
        const p = this.parse(NamesDocument, method, params);
        if (p && docs.isOpen(p.textDocument.uri)) this.server.notify(method, params);
        return;
      }
      default:
        this.server.notify(method, params);
    }
  }

  private forward(notice: { method: string; params: unknown } | null): void {
    if (notice) this.server.notify(notice.method, notice.params);
  }

  /** Documents over the file size limit never reach a server (the editor does not open them either). */
  private fits(uri: string, text: string): boolean {
    if (Buffer.byteLength(text) <= this.opts.maxFileBytes) return true;
    this.opts.log.info(
      { uri, language: this.server.id },
      'a document over the file size limit was kept from the language server',
    );
    return false;
  }

  private parse<T>(schema: z.ZodType<T>, method: string, params: unknown): T | null {
    const parsed = schema.safeParse(params);
    if (parsed.success) return parsed.data;
    this.opts.log.debug({ method, language: this.server.id }, 'a malformed LSP notification was dropped');
    return null;
  }

  private reply(id: string | number, result: unknown): void {
    this.send({ jsonrpc: '2.0', id, result });
  }

  private fail(id: string | number, err: unknown): void {
    const error =
      err instanceof ResponseError
        ? { code: err.code, message: err.message, data: err.data }
        : { code: ErrorCodes.InternalError, message: err instanceof Error ? err.message : String(err) };
    this.send({ jsonrpc: '2.0', id, error });
  }
}

function withFullSync(init: ServerInitialized): ServerInitialized {
  const sync = init.capabilities.textDocumentSync;
  const save = typeof sync === 'object' && sync !== null ? (sync as { save?: unknown }).save : undefined;
  return {
    ...init,
    capabilities: {
      ...init.capabilities,
      textDocumentSync: { openClose: true, change: FULL_SYNC, save: save ?? false },
    },
  };
}
