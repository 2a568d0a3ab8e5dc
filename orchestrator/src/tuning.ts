import { REPL_START_TIMEOUT_MS } from '@cubicle/protocol';

/** Orchestrator tuning, one place (each with its reason). */

/** A runner that is not ready in this time is reported as failed (a cold pull of a big repl fits); shared with clients. */
export const START_TIMEOUT_MS = REPL_START_TIMEOUT_MS;
/** /readyz poll interval while starting: start latency is what a user waits through. */
export const READY_POLL_MS = 20;
/** How long a stop lets the runner flush to S3 through POST /flush before it sends SIGTERM anyway. */
export const FLUSH_TIMEOUT_S = 30;
/** The runner's own SIGTERM flush budget (its SHUTDOWN_TIMEOUT); after it plus a margin comes SIGKILL. */
export const RUNNER_SHUTDOWN_TIMEOUT_S = 20;
export const KILL_MARGIN_MS = 5_000;
/** How often adopted runners (not our children, so no exit event) are checked for life. */
export const ADOPTED_PROBE_MS = 1_000;
/** Log lines kept with a repl's `error` (enough to see a stack trace's head). */
export const ERROR_LOG_LINES = 20;
/** Request bodies are small JSON objects; the largest is one variable's value (16 KB, a PEM key) with its escapes. */
export const MAX_BODY_BYTES = 48 * 1024;
/** The idle reaper looks this often at most (and at least four times per IDLE_TIMEOUT). */
export const REAPER_MAX_INTERVAL_MS = 30_000;
/** A runner that does not answer /activity in this time is skipped this round, not stopped. */
export const PROBE_TIMEOUT_MS = 2_000;
/** Lines of an app's output on the preview's "starting" / "crashed" page: a screenful. */
export const APP_PAGE_LINES = 30;
/** A runner log past this size is moved to runner.log.1 at the next start (one old log is kept). */
export const LOG_ROTATE_BYTES = 8 * 1024 * 1024;
/** How long killing a stopped sandbox's leftover processes may take before the stop says so. */
export const SANDBOX_KILL_MS = 5_000;
/** Another orchestrator's user id range claim holds the registry's lock for milliseconds; this long means it is stuck. */
export const UID_RANGE_LOCK_WAIT_S = 10;
/** After a runner or app closes a WebSocket, the browser gets this long to read the close frame before
 *  its socket is cut (a peer still uploading a frame would otherwise hold it half-open for ws's 30 s). */
export const WS_UPSTREAM_CLOSE_GRACE_MS = 1_000;

/** The gateway's own runner tokens (port tunnels) live this long and are reused until a minute is left. */
export const TUNNEL_TOKEN_TTL_MS = 5 * 60_000;

/** A repository import (git clone) is given this long: a small project takes seconds, a huge one is refused. */
export const IMPORT_TIMEOUT_MS = 120_000;
/** Imports above this size or file count are refused: a repl is a project, not a monorepo mirror. */
export const IMPORT_MAX_BYTES = 256 * 2 ** 20;
export const IMPORT_MAX_FILES = 20_000;
/** Files of an import uploaded at once: enough to hide each request's latency, few enough to hold each in memory. */
export const IMPORT_UPLOAD_CONCURRENCY = 8;
/** A finished import's progress is kept this long for the client's last poll. */
export const IMPORT_PROGRESS_KEEP_MS = 60_000;

/** A session's idle clock and a token's last-used time are written at most this often (not on every request). */
export const SESSION_TOUCH_MS = 60_000;
/** A preview sign-in ticket is good once, for this long: enough for two redirects. */
export const PREVIEW_TICKET_TTL_MS = 60_000;
/** A sign-in in progress (the provider's login page) may take this long before it must start again. */
export const LOGIN_FLOW_TTL_MS = 10 * 60_000;
/** Expired sessions and preview grants are swept this often. */
export const SESSION_PRUNE_INTERVAL_MS = 10 * 60_000;

/** A failed repl pod watch is restarted after this, doubling up to the max (an API server restart takes seconds). */
export const KUBE_WATCH_RETRY_MS = 500;
export const KUBE_WATCH_RETRY_MAX_MS = 30_000;
/** Kubernetes API calls that fail with a 5xx, 429 or a network error are tried this many times, backing off from the base. */
export const KUBE_API_ATTEMPTS = 4;
export const KUBE_API_RETRY_BASE_MS = 200;
/** One Kubernetes API call (not a watch) may take this long before it counts as failed and is retried. */
export const KUBE_API_TIMEOUT_MS = 10_000;
/** The leader Lease's term: a leader that dies is replaced after this long (client-go's default is 15 s). */
export const LEADER_LEASE_SECONDS = 15;
/** Object storage that does not answer at start is asked again after this, doubling up to the max. */
export const STORAGE_WAIT_MIN_MS = 500;
export const STORAGE_WAIT_MAX_MS = 15_000;
/** A work volume claim still being deleted (its pod is terminating) is looked at again this often. */
export const CLAIM_POLL_MS = 200;
