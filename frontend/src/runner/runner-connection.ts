import {
  type Ack,
  DEFAULT_MAX_FILE_BYTES,
  type ErrorCode,
  type RunnerClientEvents,
  type RunnerFireAndForgetEvent,
  RunnerLimits,
  type RunnerRequest,
  type RunnerRequestEvent,
  type RunnerResult,
  type RunnerServerEvents,
} from '@cubicle/protocol';
import { io, type Socket } from 'socket.io-client';
import { RECONNECT_ATTEMPTS_BEFORE_STATE_CHECK, RECONNECT_DELAY_MAX_MS, RECONNECT_DELAY_MS } from '../tuning';

/** `connecting` before the first connect; `reconnecting` after a drop; `closed` once closed by us. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** A runner ack with `ok: false`, or no ack in time (EUNAVAILABLE). */
export class RunnerRequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** ECONFLICT only: the version on disk. */
    readonly version?: string,
  ) {
    super(message);
    this.name = 'RunnerRequestError';
  }
}

export interface RunnerConnectionOptions {
  url: string;
  token: string;
  /** A fresh token when the runner refuses the current one (expired after a long sleep). */
  refreshToken(): Promise<string>;
  /** Called after a few failed reconnects: the IDE then asks whether the repl still runs. */
  onUnreachable(): void;
  requestTimeoutMs?: number;
}

type AnyHandler = (payload: never) => void;

/**
 * The IDE's one Socket.io connection to a repl's runner (docs/protocol.md, "Socket.io contract"):
 * typed requests with acks, pushes, a connection state the UI shows, and token renewal.
 */
export class RunnerConnection {
  private readonly socket: Socket<RunnerServerEvents, RunnerClientEvents>;
  private token: string;
  private stateValue: ConnectionState = 'connecting';
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private failedAttempts = 0;
  private limitsValue: RunnerLimits = { maxFileBytes: DEFAULT_MAX_FILE_BYTES };

  constructor(private readonly opts: RunnerConnectionOptions) {
    this.token = opts.token;
    this.socket = io(opts.url, {
      auth: (cb) => cb({ token: this.token }),
      transports: ['websocket'],
      reconnectionDelay: RECONNECT_DELAY_MS,
      reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
    });
    this.socket.on('connect', () => {
      this.failedAttempts = 0;
      this.setState('connected');
    });
    this.socket.on('disconnect', () => {
      if (this.stateValue !== 'closed') this.setState('reconnecting');
    });
    this.socket.on('connect_error', (err) => void this.onConnectError(err));
    this.socket.on('runner:limits', (push) => {
      const parsed = RunnerLimits.safeParse(push);
      if (parsed.success) this.limitsValue = parsed.data;
    });
  }

  /** The runner's address (its host behind the gateway), for the connections beside this one. */
  get url(): string {
    return this.opts.url;
  }

  /** What this runner enforces, as it said at the last connection (protocol defaults until then). */
  get limits(): RunnerLimits {
    return this.limitsValue;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  on<E extends keyof RunnerServerEvents>(event: E, handler: RunnerServerEvents[E]): () => void {
    // socket.io's typed `on` cannot follow a generic event name; the map above is the contract.
    const s = this.socket as unknown as { on(e: string, h: AnyHandler): void; off(e: string, h: AnyHandler): void };
    s.on(event, handler as AnyHandler);
    return () => s.off(event, handler as AnyHandler);
  }

  /** An acknowledged request (any event, fire-and-forget ones included); rejects with RunnerRequestError. */
  async request<E extends RunnerRequestEvent>(event: E, payload: RunnerRequest<E>): Promise<RunnerResult<E>> {
    const emit = this.socket.timeout(this.opts.requestTimeoutMs ?? 30_000) as unknown as {
      emitWithAck(e: string, p: unknown): Promise<Ack<RunnerResult<E>>>;
    };
    let ack: Ack<RunnerResult<E>>;
    try {
      ack = await emit.emitWithAck(event, payload);
    } catch {
      throw new RunnerRequestError('EUNAVAILABLE', 'the workspace did not answer in time');
    }
    if (!ack.ok) throw new RunnerRequestError(ack.error.code, ack.error.message, ack.error.version);
    return ack;
  }

  /** Keystrokes, resizes, acks: nothing waits for them; failures arrive as `runner:error`. */
  send<E extends RunnerFireAndForgetEvent>(event: E, payload: RunnerRequest<E>): void {
    (this.socket as unknown as { emit(e: string, p: unknown): void }).emit(event, payload);
  }

  close(): void {
    this.setState('closed');
    this.socket.disconnect();
  }

  private async onConnectError(err: Error): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.setState(this.stateValue === 'connected' ? 'reconnecting' : this.stateValue);
    this.failedAttempts += 1;
    if (this.failedAttempts === RECONNECT_ATTEMPTS_BEFORE_STATE_CHECK) this.opts.onUnreachable();
    // A middleware refusal stops socket.io's own retries (socket.active is false): renew and retry.
    if (!this.socket.active) {
      if (err.message === 'unauthorized') {
        try {
          this.token = await this.opts.refreshToken();
        } catch {
          this.opts.onUnreachable();
        }
      }
      setTimeout(() => {
        if (this.stateValue !== 'closed') this.socket.connect();
      }, RECONNECT_DELAY_MS);
    }
  }

  private setState(s: ConnectionState): void {
    if (s === this.stateValue) return;
    this.stateValue = s;
    for (const l of this.stateListeners) l(s);
  }
}
