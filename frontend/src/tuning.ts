import {
  LANGUAGE_ANSWER_MARGIN_MS,
  LANGUAGE_REQUEST_TIMEOUT_MS,
  LANGUAGE_SERVER_START_TIMEOUT_MS,
  REPL_START_TIMEOUT_MS,
  TERMINAL_ACK_BATCH_BYTES as SHARED_TERMINAL_ACK_BATCH_BYTES,
  START_ANSWER_MARGIN_MS,
} from '@cubicle/protocol';

/** Every tuning constant of the IDE, each with the reason for its value. */

/** Autosave waits for this much quiet after the last keystroke: one save per pause, not per key. */
export const AUTOSAVE_DELAY_MS = 1000;
/** Files over this size open as a message, not a tab: CodeMirror stays fluid well below it. */
export const EDITOR_MAX_FILE_BYTES = 2 * 1024 * 1024;

/**
 * Terminal flow control: rendered output bytes are acknowledged in batches of this size, declared
 * in protocol/ because the runner refuses a low watermark that is not above it.
 */
export const TERMINAL_ACK_BATCH_BYTES = SHARED_TERMINAL_ACK_BATCH_BYTES;
/** Rendered bytes below a batch are still acknowledged after this pause, so counts never linger. */
export const TERMINAL_ACK_IDLE_MS = 250;
/** A terminal resize is sent once the pane has been still this long (dragging a splitter fires many). */
export const TERMINAL_RESIZE_DEBOUNCE_MS = 80;
/** Scrollback kept in the browser; the runner's replay covers 1000 lines, more is kept live. */
export const TERMINAL_SCROLLBACK_LINES = 5000;

/** A start still unanswered after this is reported as failed: when the orchestrator gives up, plus a margin. */
export const START_TIMEOUT_MS = REPL_START_TIMEOUT_MS + START_ANSWER_MARGIN_MS;
/** A started repl whose runner accepts no socket in this long is reported as failed (retry offered). */
export const CONNECT_TIMEOUT_MS = 20_000;
/** Socket.io reconnection backoff: quick first retries, then at most every few seconds. */
export const RECONNECT_DELAY_MS = 500;
export const RECONNECT_DELAY_MAX_MS = 4000;
/** After this many failed reconnects the IDE asks the orchestrator whether the repl is still running. */
export const RECONNECT_ATTEMPTS_BEFORE_STATE_CHECK = 3;

/** The home page refreshes repl states this often while one is starting or stopping. */
export const HOME_POLL_MS = 1500;

/**
 * A paste larger than this goes to the shell in pieces of this size, each acknowledged before
 * the next: well under the runner's 1 MiB message limit, and small enough that a keystroke
 * typed during a huge paste waits one round trip, not the whole paste.
 */
export const TERMINAL_PASTE_CHUNK_CHARS = 64 * 1024;
/**
 * A paste's next piece goes once the terminal stream has less than this queued in the browser:
 * two pieces in flight keep the network busy without holding the paste twice in memory.
 */
export const TERMINAL_STREAM_SEND_BUFFER_BYTES = 2 * TERMINAL_PASTE_CHUNK_CHARS;
/** …checked this often (browsers fire no event when a WebSocket's buffer drains). */
export const TERMINAL_STREAM_DRAIN_POLL_MS = 10;
/** Larger pastes are refused with a message: the browser holds all of it, and a file upload is the tool. */
export const TERMINAL_PASTE_MAX_CHARS = 16 * 1024 * 1024;

/** Search in files starts once typing pauses this long: one ripgrep run per word, not per key. */
export const SEARCH_DEBOUNCE_MS = 250;

/** git status is asked again once file changes pause this long (a checkout changes many files at once). */
export const GIT_STATUS_DEBOUNCE_MS = 400;

/** An import's progress is asked for this often while the home page waits for it. */
export const IMPORT_PROGRESS_POLL_MS = 400;

/** While a repl starts, the boot screen asks this often what the start waits for (a node, an image). */
export const BOOT_PROGRESS_POLL_MS = 1000;

/**
 * The editor's language client gives up on an answer after this: the runner answers every
 * request (with an error if it must) within its own budgets, a cold server's start included, so
 * this only ends waits for answers lost with the socket. Under the runner's budgets it would fail
 * a slow first `initialize` and leave the editor without its server.
 */
export const LANGUAGE_CLIENT_TIMEOUT_MS =
  Math.max(LANGUAGE_REQUEST_TIMEOUT_MS, LANGUAGE_SERVER_START_TIMEOUT_MS) + LANGUAGE_ANSWER_MARGIN_MS;
/** A reconnect's `initialize` lost with the socket is sent again after this (a ready server answers it at once). */
export const LANGUAGE_REINITIALIZE_DELAY_MS = 1000;
