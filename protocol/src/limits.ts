import { z } from 'zod';

/**
 * Limits both sides must agree on (docs/protocol.md, "Shared limits"): declared once here, checked
 * by the side that could break them, and, where the runner's are configurable, told to the client.
 */

/**
 * The IDE acknowledges rendered terminal output in batches of this size. A runner whose flow
 * control low watermark is not above it could pause a terminal that never resumes: the runner
 * refuses such a configuration.
 */
export const TERMINAL_ACK_BATCH_BYTES = 64 * 1024;

/** The orchestrator gives a repl this long to become ready before it reports the start failed. */
export const REPL_START_TIMEOUT_MS = 120_000;
/** A client waits for a start's answer this much longer than the orchestrator waits for the runner. */
export const START_ANSWER_MARGIN_MS = 10_000;

/**
 * The runner answers a client's language server request within this, with the server's answer
 * or an error: a busy or stuck server never leaves the editor waiting (docs/protocol.md,
 * "Language servers").
 */
export const LANGUAGE_REQUEST_TIMEOUT_MS = 15_000;
/**
 * A language server that has not answered `initialize` this long after it was spawned is
 * stopped and counted as a crash: a cold TypeScript server on a busy node takes seconds, one
 * that takes this long is stuck. Clients' `initialize` waits for it.
 */
export const LANGUAGE_SERVER_START_TIMEOUT_MS = 30_000;
/** A client waits for a language server's answer this much longer than the runner's own budgets. */
export const LANGUAGE_ANSWER_MARGIN_MS = 10_000;

/** The largest file the runner accepts by default (its MAX_FILE_BYTES). */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

/** `runner:limits`, pushed at every connection: what this runner enforces (it may be configured). */
export const RunnerLimits = z.object({
  /** A file larger than this is refused (E2BIG): for uploads and saves. */
  maxFileBytes: z.number().int().positive(),
});
export type RunnerLimits = z.infer<typeof RunnerLimits>;
