import type { RunnerKeySet } from '@cubicle/protocol';
import type { Endpoint } from './endpoint.js';

/** Where the gateway and the orchestrator reach a running sandbox (internal addresses). */
export interface SandboxTargets {
  /** The runner's HTTP + Socket.io: http://10.0.0.7:3001 (a pod) or unix:/…/runner.sock (a local sandbox). */
  runner: Endpoint;
  /** The user's app (APP_PORT), the same way. */
  app: Endpoint;
}

/** Why a sandbox failed to start or died: a sentence and its last log lines. */
export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(
    message: string,
    readonly logs: string[] = [],
  ) {
    super(message);
  }
}

/** How a stop ended: `saved` is false when the runner may have left changes that never reached S3. */
export interface StopOutcome {
  saved: boolean;
  detail: string;
}

export interface SandboxInfo {
  replId: string;
  ready: boolean;
}

export type SandboxExitListener = (replId: string, exit: SandboxError) => void;

/**
 * One interface for every place a repl can run (docs/architecture.md, "Orchestrator"): `local` child
 * processes, `kubernetes` Deployments. The orchestrator owns the repl state machine; a driver
 * only makes sandboxes exist or not, and reports the ones that die on their own.
 */
export interface SandboxDriver {
  /**
   * Starts the repl's sandbox (pull, then serve) and resolves once its runner is ready. A
   * sandbox that already runs is reused. Rejects with SandboxError; when `signal` aborts, tears
   * down what it made and rejects with the signal's reason.
   */
  start(replId: string, signal: AbortSignal): Promise<SandboxTargets>;
  /** Flushes the runner to S3, then removes the sandbox. Stopping a missing sandbox is fine. */
  stop(replId: string): Promise<StopOutcome>;
  /** Every sandbox that exists now, including ones from before a restart (which it takes over). */
  list(): Promise<SandboxInfo[]>;
  /** Synchronous, for the gateway's hot path: null when the repl has no live sandbox. */
  targets(replId: string): SandboxTargets | null;
  /** Forgets a deleted repl: whatever the driver keeps besides the sandbox (local folders). */
  remove(replId: string): Promise<void>;
  /**
   * Makes the runner-token public keys readable to every runner, present and future (a file
   * the local sandboxes see read-only, a ConfigMap repl pods mount). Runners re-read it when a
   * token names a key they do not know.
   */
  publishRunnerKeys(set: RunnerKeySet): Promise<void>;
  /** Called when a sandbox exits without being asked to. */
  onExit(listener: SandboxExitListener): void;
  /** Stops watching; sandboxes keep running (the next orchestrator adopts them). */
  close(): Promise<void>;
}
