/** Object storage tuning, one place (each with its reason). */

/** Objects above this go up in parts: one failed part is retried alone, and memory stays bounded. */
export const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
/** S3's minimum part size is 5 MiB; 8 MiB keeps the part count low for files up to tens of GB. */
export const MULTIPART_PART_BYTES = 8 * 1024 * 1024;
/** Parts of one object in flight at once. */
export const MULTIPART_QUEUE_SIZE = 4;
/** Pooled connections per store; matches the widest concurrency any caller uses (pull). */
export const MAX_SOCKETS = 64;
/** A store that does not accept a TCP connection in this time counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 3000;
/** No byte for this long on an open request means the store is gone (outage detection). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** S3 DeleteObjects takes at most 1,000 keys per call. */
export const DELETE_BATCH = 1000;
/** Server-side copies in flight when a repl is created from a template (each is one small request). */
export const COPY_CONCURRENCY = 16;
/** A DeleteObjects body names at most 1,000 keys of at most 1,024 bytes each, XML-escaped. */
export const BROKER_DELETE_BODY_BYTES = 8 * 1024 * 1024;
/** A CompleteMultipartUpload body lists at most 10,000 parts of about 100 bytes each. */
export const BROKER_COMPLETE_BODY_BYTES = 2 * 1024 * 1024;
/** A CreateMultipartUpload answer is a few hundred bytes of XML; more is not an answer. */
export const BROKER_UPLOAD_ANSWER_BYTES = 64 * 1024;
/** Uploads in flight per repl: a runner has at most a few (MULTIPART_QUEUE_SIZE parts of each file it syncs). */
export const BROKER_OPEN_UPLOADS = 256;
