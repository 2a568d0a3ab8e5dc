import {
  type Ack,
  type ErrorBody,
  isRunnerRequestEvent,
  type RunnerRequest,
  type RunnerRequestEvent,
  type RunnerResult,
  runnerRequests,
} from '@cubicle/protocol';
import type { z } from 'zod';
import { RunnerError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RunnerSocket } from './socket-types.js';

/** `acked`: the client passed an ack callback (some events push their result otherwise). */
export interface EventContext {
  acked: boolean;
}
export type EventHandler<E extends RunnerRequestEvent> = (
  payload: RunnerRequest<E>,
  ctx: EventContext,
) => Promise<RunnerResult<E>> | RunnerResult<E>;
export type EventHandlers = { [E in RunnerRequestEvent]: EventHandler<E> };

type AckFn = (response: Ack<object>) => void;

export interface EventRouterOptions {
  log: Logger;
  /** Result code of every handled event ("ok" or an error code). */
  onResult(event: RunnerRequestEvent, result: string): void;
}

/**
 * Binds every event of the protocol on a socket: the payload is validated by its schema before
 * any handler runs, the handler's result or RunnerError becomes the ack, and nothing a client
 * sends can throw out of here. Events without an ack report failures as `runner:error`.
 */
export function bindEventHandlers(socket: RunnerSocket, handlers: EventHandlers, opts: EventRouterOptions): void {
  const bind = <E extends RunnerRequestEvent>(event: E) => {
    const handler: EventHandler<E> = handlers[event];
    // TypeScript cannot correlate the indexed schema with E; the table in protocol guarantees it.
    const schema = runnerRequests[event].request as unknown as z.ZodType<RunnerRequest<E>>;
    socket.on(event as string, (...args: unknown[]) => {
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as AckFn) : undefined;
      const payload = ack && args.length === 1 ? undefined : args[0];
      void dispatch(
        socket,
        event,
        () => {
          const parsed = schema.safeParse(payload);
          if (!parsed.success) throw invalidPayload(event, parsed.error);
          return handler(parsed.data, { acked: ack !== undefined });
        },
        ack,
        opts,
      );
    });
  };
  for (const event of Object.keys(runnerRequests) as RunnerRequestEvent[]) bind(event);

  socket.onAny((event: string, ...args: unknown[]) => {
    if (isRunnerRequestEvent(event)) return;
    const last = args[args.length - 1];
    const error: ErrorBody = { code: 'EINVAL', message: `unknown event ${JSON.stringify(event).slice(0, 80)}` };
    if (typeof last === 'function') (last as AckFn)({ ok: false, error });
    else socket.emit('runner:error', { event: String(event).slice(0, 80), error });
  });
}

async function dispatch(
  socket: RunnerSocket,
  event: RunnerRequestEvent,
  run: () => Promise<object> | object,
  ack: AckFn | undefined,
  opts: EventRouterOptions,
): Promise<void> {
  let response: Ack<object>;
  try {
    response = { ok: true, ...(await run()) };
  } catch (err) {
    const error =
      err instanceof RunnerError ? err.toBody() : ({ code: 'EINTERNAL', message: 'internal error' } as const);
    if (!(err instanceof RunnerError) || err.code === 'EINTERNAL') {
      opts.log.error({ err, event, socket: socket.id }, 'event handler failed');
    }
    response = { ok: false, error };
  }
  opts.onResult(event, response.ok ? 'ok' : response.error.code);
  if (ack) ack(response);
  else if (!response.ok) socket.emit('runner:error', { event, error: response.error });
}

function invalidPayload(event: string, error: z.ZodError): RunnerError {
  const tooBig = error.issues.some((i) => i.code === 'too_big');
  const detail = error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
    .join('; ');
  return new RunnerError(tooBig ? 'E2BIG' : 'EINVAL', `${event}: ${detail}`);
}
