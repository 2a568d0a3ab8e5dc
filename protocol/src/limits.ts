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

/** The largest file the runner accepts by default (its MAX_FILE_BYTES). */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

/** `runner:limits`, pushed at every connection: what this runner enforces (it may be configured). */
export const RunnerLimits = z.object({
  /** A file larger than this is refused (E2BIG): for uploads and saves. */
  maxFileBytes: z.number().int().positive(),
});
export type RunnerLimits = z.infer<typeof RunnerLimits>;
