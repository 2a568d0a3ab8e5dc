import type { Transport } from '@codemirror/lsp-client';
import type { LanguageServerId } from '@cubicle/protocol';
import type { RunnerConnection } from '../../runner/runner-connection';

/** What the language clients use of the runner's connection (a test gives them a runner of its own). */
export type LanguageConnection = Pick<RunnerConnection, 'state' | 'on' | 'onState' | 'request' | 'send'>;

/**
 * LSP's JSON-RPC messages for one language over the runner's authenticated socket (`lsp:message`
 * both ways): the runner forwards them to the repl's language server, which all clients share.
 */
export class RunnerLspTransport implements Transport {
  private readonly handlers = new Set<(message: string) => void>();
  private readonly off: () => void;

  constructor(
    private readonly connection: LanguageConnection,
    private readonly language: LanguageServerId,
  ) {
    this.off = connection.on('lsp:message', ({ language: from, message }) => {
      if (from !== language) return;
      for (const handler of this.handlers) handler(message);
    });
  }

  send(message: string): void {
    if (this.connection.state !== 'connected') {
      // A notification while away is dropped: the next connection reopens every file whole.
      // A request fails at once rather than at its timeout.
      if (isNotification(message)) return;
      throw new Error('not connected to the repl');
    }
    this.connection.send('lsp:message', { language: this.language, message });
  }

  subscribe(handler: (value: string) => void): void {
    this.handlers.add(handler);
  }

  unsubscribe(handler: (value: string) => void): void {
    this.handlers.delete(handler);
  }

  close(): void {
    this.off();
    this.handlers.clear();
  }
}

function isNotification(message: string): boolean {
  const parsed = JSON.parse(message) as { id?: unknown };
  return parsed.id === undefined;
}
