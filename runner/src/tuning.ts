/**
 * Every tuning constant of the runner, each with the reason for its value. Values that an
 * operator may need to change are also read from the environment in config.ts.
 */

/**
 * Bursts of terminal output are coalesced over this window (fewer, larger socket messages): one
 * frame at 60 Hz, the most a screen shows anyway. Each message costs the runner the same whatever
 * its size, so with 20 terminals flooding at once 4 ms windows (4 KB messages) took about a third
 * more CPU per MB than 16 ms ones. Keystroke echoes never wait for it (OUTPUT_INTERACTIVE_BYTES).
 */
export const OUTPUT_COALESCE_MS = 16;
/** Up to this much output per window is interactive (echoes, prompts) and is sent without delay. */
export const OUTPUT_INTERACTIVE_BYTES = 1024;
/**
 * A coalesced chunk is sent early at this size. With binary frames a message costs little, and
 * 64 KB chunks beat 256 KB ones in the terminal bench on both throughput and the p99 echo after
 * a flood (big buffers' allocation and release stall the socket's thread now and then).
 */
export const OUTPUT_MAX_CHUNK_BYTES = 64 * 1024;

/**
 * Flow control per acking client, in payload lengths (bytes for binary clients, characters for
 * string ones). High is the most unrendered output a client may have in flight: it must cover
 * bandwidth × round trip, and the round trip includes the coalescing window and a chunk's
 * encode and decode (at 512 KB the bench showed the PTY stalling on acks 19 times per 50 MB;
 * at 2 MB never). Low must be at least a client's ack batch, or a paused terminal could never
 * resume. Memory per client stays under high + one chunk.
 */
export const FLOW_HIGH_WATERMARK = 2 * 1024 * 1024;
export const FLOW_LOW_WATERMARK = 512 * 1024;

/**
 * Output reaches the screen mirror's parser in batches this old: in a flood a batch
 * then spans many screens, most of which EvictedOutputFilter drops before parsing. Nothing
 * waits on it (a snapshot parses what is queued at once). A batch must outgrow the screen and
 * scrollback it keeps (100 KB of short lines) by far, or its bytes are scanned twice: with 20
 * terminals flooding at once (~1 MB/s each) 100 ms batches cost the mirror 60% more than 300 ms.
 */
export const MIRROR_BATCH_MS = 300;
/** …or this large, well under the high watermark below, so a fast flood never pauses on the mirror. */
export const MIRROR_BATCH_BYTES = 6 * 1024 * 1024;
/**
 * The mirror hands xterm a batch in pieces this large: xterm decodes each write into a buffer
 * that grows to the largest write (up to 512 KB) and is kept for the terminal's life. In 16 KB
 * pieces it stays at 64 KB, about 0.5 MB less per terminal, at no measurable parse cost.
 */
export const MIRROR_WRITE_PIECE_BYTES = 16 * 1024;
/** A batch's trailing plain lines (a screen and its scrollback) wait for the next batch up to this size. */
export const MIRROR_HELD_MAX_BYTES = 1024 * 1024;
/**
 * Rows of scrollback the mirror keeps parsed in xterm (12 bytes a cell: 2.4 KB a row at 200
 * columns); older rows are kept as text (~80 bytes a line of compiler output). A flood is
 * parsed only this far back. A resize to another width, or a screen that grows by more rows
 * than xterm holds, parses the archived rows again (so that xterm reflows them).
 */
export const MIRROR_PARSED_SCROLLBACK_LINES = 100;
/**
 * xterm's scrollback limit while a flood goes to the archive (MirroredTerminal.capacity): the
 * parsed rows and room for the flood's last lines, so that xterm reuses its rows.
 */
export const MIRROR_FLOOD_SCROLLBACK_LINES = 200;
/** Rows past that move from xterm to text once a terminal's output has been quiet this long. */
export const MIRROR_HARVEST_QUIET_MS = 1000;

/**
 * The screen mirror (headless xterm in a worker) may lag the PTY by this much before the PTY
 * pauses. The lag is what the worker parses as one batch, most of it dropped unparsed by
 * EvictedOutputFilter, so a generous mark makes a flood cheaper to mirror.
 */
export const MIRROR_HIGH_WATERMARK_BYTES = 12 * 1024 * 1024;
export const MIRROR_LOW_WATERMARK_BYTES = 2 * 1024 * 1024;

/**
 * Backstop for clients that never ack (the original protocol): engine.io packets queued for a
 * socket whose transport cannot keep up. Past this the PTY pauses until the socket drains.
 */
export const TRANSPORT_HIGH_PACKETS = 64;

/**
 * A terminal stream ticket is redeemed within this long or never: the client opens the stream
 * right after the ack that carried it, so seconds are plenty, and a leaked one dies soon.
 */
export const TERMINAL_STREAM_TICKET_TTL_MS = 10_000;
/** Tickets outstanding at once; past this the oldest is forgotten (a client asking in a loop). */
export const TERMINAL_STREAM_MAX_TICKETS = 256;
/**
 * The largest frame a stream client may send: one input message of TerminalInputData's megabyte
 * of characters, JSON-escaped (a control character is 6 bytes as \u0000) and UTF-8 encoded.
 */
export const TERMINAL_STREAM_MAX_FRAME_BYTES = 7 * 1024 * 1024;

/**
 * Output is posted to the screen mirror's worker this late, or at this size: a keystroke's echo
 * goes to the client first (a post cost it ~0.1 ms), and a flood costs a message per 256 KB
 * rather than per socket message.
 */
export const MIRROR_POST_MS = 20;
export const MIRROR_POST_BYTES = 256 * 1024;

/**
 * The screen mirror's worker ends this long after the last terminal closed (its heap goes with
 * it). Closing a terminal and opening the next one soon after costs no worker start (~100 ms CPU).
 */
export const MIRROR_IDLE_RETIRE_MS = 30_000;

/** Lines of scrollback the mirror keeps and replays on attach (xterm.js's own default). */
export const TERMINAL_SCROLLBACK_LINES = 1000;
/** Size of the terminal a bare `terminal:write` creates: the classic VT100 screen. */
export const DEFAULT_TERMINAL_COLS = 80;
export const DEFAULT_TERMINAL_ROWS = 24;
/**
 * Input the PTY's buffer could not take is tried again this soon when the last attempt wrote
 * nothing, then twice as late each time up to the maximum (a program that reads nothing costs
 * ~20 attempts a second, not a busy loop); after an attempt that wrote some, on the next turn of
 * the event loop (a 4 MB paste into `cat` goes at ~70 MB/s, as node-pty's own writes do).
 */
export const PTY_INPUT_RETRY_MS = 2;
export const PTY_INPUT_RETRY_MAX_MS = 50;
/** After SIGHUP, a shell's session gets this long to exit before SIGKILL. */
export const TERMINAL_KILL_GRACE_MS = 1000;

/**
 * prom-client samples event-loop lag this often. Its 10 ms default woke an idle runner about
 * 200 times a second; at 100 ms a stall long enough to matter is still seen.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** `file:refresh` batching window: under the 100 ms a person notices, over a burst of `git checkout`. */
export const FILE_REFRESH_WINDOW_MS = 50;

/** On SIGTERM, terminals and sockets are ended; after this the process exits regardless. */
export const SHUTDOWN_DEADLINE_MS = 5000;

// ── Workspace sync (S3) ─────────────────────────────────────────────────────────────────────

/** A path's upload waits this long after its last change, so an editor's burst of saves is one PUT. */
export const SYNC_DEBOUNCE_MS = 500;
/** …but a file written continuously (a log) still goes out at least this often. */
export const SYNC_MAX_DELAY_MS = 2000;
/** Uploads and deletes in flight; enough to hide loopback/LAN latency without starving the app. */
export const SYNC_CONCURRENCY = 8;
/** First retry delay after a storage failure; doubles per consecutive failure. */
export const SYNC_BACKOFF_MIN_MS = 250;
/** Retry ceiling: after an outage ends, pending work resumes within this time. */
export const SYNC_BACKOFF_MAX_MS = 4000;
/** `sync:status` pushes at most this often while counts move (the state itself is sent at once). */
export const SYNC_STATUS_THROTTLE_MS = 250;
/** Time the watcher gets to report changes already on disk before a flush drains the queue. */
export const WATCHER_SETTLE_MS = 200;
/** Journal history allowed beyond twice the live state before it is rewritten as a snapshot. */
export const JOURNAL_COMPACT_SLACK_LINES = 10_000;
/** Parallel downloads in `runner pull`: small objects are latency-bound, so wide helps. */
export const PULL_CONCURRENCY = 32;
/** Files up to this size are moved through memory in one request; larger ones stream (bounded RAM). */
export const IN_MEMORY_TRANSFER_BYTES = 16 * 1024 * 1024;
/** `runner pull` logs progress at most this often. */
export const PULL_PROGRESS_INTERVAL_MS = 500;

/**
 * Node flags every launcher of `runner serve` passes (the local driver, the container image,
 * tests and benches). A 4 MB young-generation semi-space instead of V8's 16 MB keeps an idle
 * runner ~10 MB smaller (2 MB saves a little more but costs flood throughput): start-up
 * garbage otherwise leaves a grown young generation behind. --optimize-for-size (V8 grows and
 * keeps less heap) took the median idle RSS with sync on from 84.6 to 78.8 MB with no
 * measurable cost in the terminal benchmark.
 */
export const RUNNER_NODE_FLAGS = ['--max-semi-space-size=4', '--optimize-for-size', '--expose-gc'];
// (--expose-gc: HeapReclaimer collects a flood's buffers once output goes quiet. The runner runs no user code.)

/**
 * Environment every launcher gives `runner serve` (glibc reads it at start; the image sets it
 * with ENV). A fixed mmap threshold hands a flood's buffers back to the system when they are
 * freed (by default glibc raises the threshold at the first such free and keeps later ones in
 * its heap, where a few live allocations pin the freed ones), and two arenas instead of one per
 * thread keep freed memory from sitting in the arenas of the worker threads. With
 * HeapReclaimer, RSS after a 200 MB flood: 136 → 98 MB (idle 76). 32 KB rather than 128 KB
 * also returns the socket's 64 KB read buffers: after 20 terminals flood at once, 1.25–1.28× →
 * 1.17–1.22× the RSS before, at no CPU cost the output benchmark can tell from its noise.
 */
export const RUNNER_PROCESS_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '32768',
};

/** HeapReclaimer collects after this much output… */
export const RECLAIM_AFTER_BYTES = 8 * 1024 * 1024;
/** …once there has been none for this long (a collection of the runner's heap is ~20 ms). */
export const RECLAIM_QUIET_MS = 2000;
/**
 * …and the whole heap only while its Buffers hold this much more than after the last full
 * collection, once the young generation is collected (a flood's promoted buffers left 5 MB and
 * more in the mirror's isolate; the buffers of its open terminals are live).
 */
export const RECLAIM_MAJOR_EXTERNAL_BYTES = 6 * 1024 * 1024;

// ── Processes and runs ──────────────────────────────────────────────────────────────────────

/** A started process that lives this long counts as `running` (it did not fail on launch). */
export const PROCESS_STARTUP_GRACE_MS = 1000;
/** First restart delay after a crash; doubles per consecutive crash up to the max. */
export const PROCESS_BACKOFF_MIN_MS = 500;
export const PROCESS_BACKOFF_MAX_MS = 30_000;
/** More crashes than this within the window → `errored` (a crash loop, not a hiccup). */
export const PROCESS_MAX_RESTARTS = 5;
export const PROCESS_RESTART_WINDOW_MS = 60_000;
/** restartOnSave waits for this much quiet after the last change: a save of many files (a git checkout) is one restart. */
export const RESTART_ON_SAVE_DEBOUNCE_MS = 300;
/** A crash loop's message quotes the error found in this many last lines (a Node stack is ~10). */
export const CRASH_SUMMARY_LINES = 40;
/** A process that stayed up this long has its backoff reset. */
export const PROCESS_STABLE_MS = 30_000;
/** SIGTERM → SIGKILL for a process or a run's session: enough for a server to close sockets. */
export const PROCESS_STOP_GRACE_MS = 5000;
/** CPU and memory are sampled (and the memory limit enforced) this often. */
export const PROCESS_SAMPLE_MS = 1000;
/** Lines kept per process: a few screens of a chatty server, about 1 MB at most. */
export const PROCESS_LOG_LINES = 5000;
/** Process log lines are pushed to clients in batches this old at most. */
export const LOG_PUSH_MS = 50;
/** Lines of a run kept in memory (and stored with its record); longer outputs keep their end. */
export const RUN_OUTPUT_LINES = 50_000;
/** Characters of output kept in a run's record for lists. */
export const RUN_TAIL_CHARS = 2048;
/** Server-Sent Events heartbeat: under the idle timeouts of common proxies (60 s). */
export const SSE_HEARTBEAT_MS = 15_000;
/** A token with an unknown key id re-reads the key-set file at most this often (a flood of forged kids costs nothing). */
export const KEYS_RELOAD_MIN_MS = 1_000;

// ── Search ──────────────────────────────────────────────────────────────────────────────────

/** A search hit shows this much of its line (around the match): a line of code, not a minified bundle. */
export const SEARCH_PREVIEW_CHARS = 240;

// ── Ports ───────────────────────────────────────────────────────────────────────────────────

/** Listening ports are looked up this often: a new server shows in the Ports view within a second. */
export const PORT_SCAN_MS = 1000;
/** …and listed in full at least this often even when the count of TCP sockets has not changed. */
export const PORT_LIST_EVERY_MS = 10_000;

// ── Git ─────────────────────────────────────────────────────────────────────────────────────

/** A git command is ended after this long (a push to a slow remote included): the IDE must answer. */
export const GIT_TIMEOUT_MS = 120_000;
/** A process's log as answered when no limit is asked for: a screenful or two of context. */
export const PROCESS_LOG_DEFAULT_LINES = 500;

// Language servers (runner/src/language/).
/** A language server nobody has used (no open document, no message) for this long is stopped. */
export const LANGUAGE_SERVER_IDLE_MS = 10 * 60_000;
/** First restart delay after a crash; doubles per crash in a row, up to the ceiling. */
export const LANGUAGE_SERVER_BACKOFF_MIN_MS = 500;
export const LANGUAGE_SERVER_BACKOFF_MAX_MS = 15_000;
/** This many crashes in a row leave the server `crashed` until someone restarts it. */
export const LANGUAGE_SERVER_MAX_CRASHES = 5;
// (A request a server leaves unanswered, or a start it does not finish, gets an error in time:
// LANGUAGE_REQUEST_TIMEOUT_MS and LANGUAGE_SERVER_START_TIMEOUT_MS, in protocol/src/limits.ts because
// the IDE's own timeout is set above them. Not re-exported here: the screen mirror's worker loads
// this module, and importing the protocol package would load zod and every schema into its heap.)
/** A server's last stderr lines kept for its crash report. */
export const LANGUAGE_SERVER_STDERR_LINES = 20;
/** `shutdown` + `exit` get this long before the server is killed. */
export const LANGUAGE_SERVER_STOP_GRACE_MS = 2000;
/** tsserver's heap ceiling: a large project is slower rather than taking the whole pod (VS Code's default is 3 GB). */
export const TSSERVER_MAX_HEAP_MB = 1024;
