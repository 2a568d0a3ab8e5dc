import type { LanguageServerId, LanguageStatusPush } from '@cubicle/protocol';
import type { RunnerClient } from './runner-harness.js';

interface Message {
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

/** A language-server client over a runner socket, as a test writes it: requests, notifications, waits. */
export class LspTestClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(m: Message): void }>();
  readonly notifications: Message[] = [];
  readonly statuses: LanguageStatusPush[] = [];
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly socket: RunnerClient,
    readonly language: LanguageServerId,
  ) {
    socket.on('lsp:message', ({ language: from, message }) => {
      if (from !== language) return;
      const m = JSON.parse(message) as Message;
      if (typeof m.id === 'number' && !m.method) this.pending.get(m.id)?.resolve(m);
      else this.notifications.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('lsp:status', (s) => {
      if (s.language === language) this.statuses.push(s);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** `lsp:start`, then `initialize` / `initialized` as an editor does; returns the workspace URI and capabilities. */
  async start(): Promise<{ rootUri: string; capabilities: Record<string, unknown> }> {
    const started = (await this.socket.emitWithAck('lsp:start', { language: this.language })) as {
      ok?: true;
      rootUri: string;
    };
    const init = (await this.request('initialize', {
      processId: null,
      rootUri: started.rootUri,
      capabilities: {
        textDocument: { publishDiagnostics: {}, completion: { completionItem: { snippetSupport: false } } },
      },
    })) as { capabilities: Record<string, unknown> };
    this.notify('initialized', {});
    return { rootUri: started.rootUri, capabilities: init.capabilities };
  }

  async request(method: string, params: unknown): Promise<unknown> {
    const m = await this.requestRaw(method, params);
    if (m.error) throw new Error(`${method}: ${m.error.message}`);
    return m.result;
  }

  requestRaw(method: string, params: unknown): Promise<Message> {
    const id = this.nextId++;
    const answered = new Promise<Message>((resolve) => this.pending.set(id, { resolve }));
    this.send({ jsonrpc: '2.0', id, method, params });
    return answered;
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  send(message: unknown): void {
    this.socket.emit('lsp:message', { language: this.language, message: JSON.stringify(message) });
  }

  /** The latest diagnostics the server published for `uri` that satisfy `accept`. */
  async diagnostics(uri: string, accept: (messages: string[]) => boolean, timeoutMs = 60_000): Promise<string[]> {
    return this.until(
      () => {
        const last = this.notifications.findLast(
          (n) => n.method === 'textDocument/publishDiagnostics' && (n.params as { uri: string }).uri === uri,
        );
        if (!last) return undefined;
        const messages = (last.params as { diagnostics: Array<{ message: string }> }).diagnostics.map((d) => d.message);
        return accept(messages) ? messages : undefined;
      },
      timeoutMs,
      `diagnostics for ${uri}`,
    );
  }

  /** Resolves with the first non-undefined value of `check`, re-checked at every message. */
  async until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
