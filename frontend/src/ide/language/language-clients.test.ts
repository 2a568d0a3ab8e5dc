import {
  LANGUAGE_REQUEST_TIMEOUT_MS,
  LANGUAGE_SERVER_START_TIMEOUT_MS,
  type LanguageMessage,
  type RunnerFireAndForgetEvent,
  type RunnerRequest,
  type RunnerRequestEvent,
  type RunnerResult,
  type RunnerServerEvents,
} from '@cubicle/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from '../../runner/runner-connection';
import { LANGUAGE_CLIENT_TIMEOUT_MS, LANGUAGE_REINITIALIZE_DELAY_MS } from '../../tuning';
import { LanguageClients } from './language-clients';
import type { LanguageConnection } from './runner-lsp-transport';

interface RpcMessage {
  id?: number | string;
  method?: string;
  params?: unknown;
}

/** A runner as the language clients see it: `lsp:start` answers, and the test answers each JSON-RPC message. */
class FakeRunner implements LanguageConnection {
  state: ConnectionState = 'connected';
  readonly received: RpcMessage[] = [];
  starts = 0;
  private readonly pushes = new Map<string, Set<(payload: never) => void>>();

  private readonly stateListeners = new Set<(s: ConnectionState) => void>();

  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The socket dropped and came back: a new session on the runner. */
  reconnected(): void {
    for (const state of ['reconnecting', 'connected'] as const) {
      this.state = state;
      for (const listener of this.stateListeners) listener(state);
    }
  }

  push<E extends keyof RunnerServerEvents>(event: E, payload: Parameters<RunnerServerEvents[E]>[0]): void {
    for (const handler of this.pushes.get(event) ?? []) (handler as (p: typeof payload) => void)(payload);
  }

  on<E extends keyof RunnerServerEvents>(event: E, handler: RunnerServerEvents[E]): () => void {
    const set = this.pushes.get(event) ?? new Set();
    this.pushes.set(event, set);
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  async request<E extends RunnerRequestEvent>(event: E, _payload: RunnerRequest<E>): Promise<RunnerResult<E>> {
    if (event !== 'lsp:start') throw new Error(`unexpected ${event}`);
    this.starts++;
    return { rootUri: 'file:///workspace' } as RunnerResult<E>;
  }

  send<E extends RunnerFireAndForgetEvent>(event: E, payload: RunnerRequest<E>): void {
    if (event !== 'lsp:message') throw new Error(`unexpected ${event}`);
    this.received.push(JSON.parse((payload as LanguageMessage).message) as RpcMessage);
  }

  /** The runner's answer to the client's request `method` (the last one sent). */
  answer(method: string, reply: { result?: unknown; error?: { code: number; message: string } }): void {
    const request = this.received.findLast((m) => m.method === method);
    if (request?.id === undefined) throw new Error(`no ${method} request was sent`);
    this.push('lsp:message', {
      language: 'typescript',
      message: JSON.stringify({ jsonrpc: '2.0', id: request.id, ...reply }),
    });
  }

  sent(method: string): number {
    return this.received.filter((m) => m.method === method).length;
  }
}

const host = { display: async () => null, read: async () => null, editFile: async () => {} };

describe('LanguageClients', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a server slow to start is waited for: the editor gets it once `initialize` is answered, however late', async () => {
    vi.useFakeTimers();
    const runner = new FakeRunner();
    const clients = new LanguageClients(runner, host);
    let extension: unknown = 'pending';
    void clients.extensionFor('src/app.ts').then((e) => {
      extension = e;
    });
    await vi.waitFor(() => expect(runner.sent('initialize')).toBe(1));
    // A cold server on a busy machine: longer than any one request may take, within the runner's start budget.
    await vi.advanceTimersByTimeAsync(25_000);
    expect(extension).toBe('pending');
    runner.answer('initialize', { result: { capabilities: { hoverProvider: true } } });
    await vi.waitFor(() => expect(extension).not.toBe('pending'));
    expect(extension).not.toBeNull();
    expect(runner.sent('initialized')).toBe(1);
    clients.dispose();
  });

  it('a server that cannot start leaves the editor without it, nothing uncaught; the next file asks again', async () => {
    const runner = new FakeRunner();
    const clients = new LanguageClients(runner, host);
    const first = clients.extensionFor('src/app.ts');
    await vi.waitFor(() => expect(runner.sent('initialize')).toBe(1));
    runner.answer('initialize', {
      error: { code: -32603, message: 'the typescript language server did not start in 30 s' },
    });
    await expect(first).resolves.toBeNull();

    const second = clients.extensionFor('src/other.ts');
    await vi.waitFor(() => expect(runner.sent('initialize')).toBe(2));
    expect(runner.starts).toBe(2);
    runner.answer('initialize', { result: { capabilities: {} } });
    await expect(second).resolves.not.toBeNull();
    clients.dispose();
  });

  it('a reconnect whose `initialize` is lost with the socket asks again, and one that fails waits for the server', async () => {
    vi.useFakeTimers();
    const runner = new FakeRunner();
    const clients = new LanguageClients(runner, host);
    const ready = clients.extensionFor('src/app.ts');
    await vi.waitFor(() => expect(runner.sent('initialize')).toBe(1));
    runner.answer('initialize', { result: { capabilities: {} } });
    await expect(ready).resolves.not.toBeNull();
    runner.push('lsp:status', { language: 'typescript', state: 'ready', message: null, stderr: [] });

    runner.reconnected();
    await vi.waitFor(() => expect(runner.sent('initialize')).toBe(2)); // never answered: lost with the socket
    await vi.advanceTimersByTimeAsync(LANGUAGE_CLIENT_TIMEOUT_MS + LANGUAGE_REINITIALIZE_DELAY_MS);
    expect(runner.sent('initialize')).toBe(3);
    runner.answer('initialize', { result: { capabilities: {} } });
    await vi.waitFor(() => expect(runner.sent('initialized')).toBe(2));

    // The runner restarted without its server, which then fails to start: no retry until it is ready.
    runner.push('lsp:status', { language: 'typescript', state: 'crashed', message: 'exited with code 1', stderr: [] });
    runner.reconnected();
    await vi.waitFor(() => expect(runner.sent('initialize')).toBe(4));
    runner.answer('initialize', { error: { code: -32603, message: 'the typescript language server crashed' } });
    await vi.advanceTimersByTimeAsync(5 * LANGUAGE_REINITIALIZE_DELAY_MS);
    expect(runner.sent('initialize')).toBe(4);
    runner.push('lsp:status', { language: 'typescript', state: 'ready', message: null, stderr: [] });
    expect(runner.sent('initialize')).toBe(5);
    runner.answer('initialize', { result: { capabilities: {} } });
    await vi.waitFor(() => expect(runner.sent('initialized')).toBe(3));
    clients.dispose();
  });

  it('the client waits longer than the runner takes to answer a request or to start a server', () => {
    expect(LANGUAGE_CLIENT_TIMEOUT_MS).toBeGreaterThan(LANGUAGE_SERVER_START_TIMEOUT_MS);
    expect(LANGUAGE_CLIENT_TIMEOUT_MS).toBeGreaterThan(LANGUAGE_REQUEST_TIMEOUT_MS);
  });
});
