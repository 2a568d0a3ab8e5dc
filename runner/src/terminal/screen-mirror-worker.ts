import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import { HeapReclaimer } from '../support/heap-reclaimer.js';
import { MIRROR_BATCH_BYTES, MIRROR_BATCH_MS, MIRROR_HELD_MAX_BYTES, MIRROR_WRITE_PIECE_BYTES } from '../tuning.js';
import { EvictedOutputFilter } from './evicted-output.js';
import type { MirrorReply, MirrorRequest } from './screen-mirror-messages.js';

/**
 * Worker thread that keeps a headless xterm per terminal, fed with exactly the output clients
 * were sent, so an attaching client can be given the screen and scrollback as they are now.
 * It runs off the socket's thread because parsing costs about as much CPU as the PTY itself.
 *
 * Each terminal's requests are handled in order. Output is gathered for MIRROR_BATCH_MS (or
 * up to MIRROR_BATCH_BYTES, and while the previous batch is parsed) and parsed as one batch, so in a flood a batch spans
 * many screens, most of which EvictedOutputFilter drops unparsed: the mirror keeps up with
 * any PTY. The last lines of a batch are held until the next one (or a pause): while a flood
 * goes on, they too scroll away unparsed. A snapshot or a resize parses what is queued at once.
 */
// require(), not import: for these CommonJS bundles the ESM loader's export scan alone cost
// ~90 ms of CPU at every worker start.
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');

type Pending = Exclude<MirrorRequest, { type: 'open' } | { type: 'dispose' }>;

interface Mirror {
  key: number;
  term: InstanceType<typeof Terminal>;
  serializer: InstanceType<typeof SerializeAddon>;
  filter: EvictedOutputFilter;
  scrollback: number;
  pending: Pending[];
  /** Bytes of the writes in `pending`. */
  pendingBytes: number;
  /** Trailing plain lines of the last batch, not parsed yet: the next batch may scroll them away. */
  held: Buffer | null;
  parsing: boolean;
  batchTimer: NodeJS.Timeout | null;
}

const port = parentPort;
if (!port) throw new Error('screen-mirror-worker must run as a worker thread');
const mirrors = new Map<number, Mirror>();
const reclaimer = new HeapReclaimer();
const reply = (m: MirrorReply) => port.postMessage(m);

port.on('message', (m: MirrorRequest) => {
  if (m.type === 'open') return open(m);
  const mirror = mirrors.get(m.key);
  if (m.type === 'dispose') {
    if (mirror?.batchTimer) clearTimeout(mirror.batchTimer);
    mirror?.term.dispose();
    mirrors.delete(m.key);
    return;
  }
  if (!mirror) {
    if (m.type === 'write') reply({ type: 'processed', key: m.key, bytes: m.data.length });
    if (m.type === 'snapshot') reply({ type: 'snapshot', requestId: m.requestId, data: '' });
    return;
  }
  mirror.pending.push(m);
  if (m.type !== 'write') return drain(mirror);
  mirror.pendingBytes += m.data.length;
  if (mirror.pendingBytes >= MIRROR_BATCH_BYTES) drain(mirror);
  else schedule(mirror);
});

function open(m: Extract<MirrorRequest, { type: 'open' }>): void {
  const term = new Terminal({ cols: m.cols, rows: m.rows, scrollback: m.scrollback, allowProposedApi: true });
  const serializer = new SerializeAddon();
  term.loadAddon(serializer);
  term.onTitleChange((title) => reply({ type: 'title', key: m.key, title }));
  mirrors.set(m.key, {
    key: m.key,
    term,
    serializer,
    filter: new EvictedOutputFilter(m.rows, m.scrollback, m.cols),
    scrollback: m.scrollback,
    pending: [],
    pendingBytes: 0,
    held: null,
    parsing: false,
    batchTimer: null,
  });
}

/**
 * Drains after MIRROR_BATCH_MS: gathers a batch, or lets held lines wait that long for more.
 * Output has paused only if none came meanwhile; in a flood the new batch's tail is held again.
 */
function schedule(mirror: Mirror): void {
  mirror.batchTimer ??= setTimeout(() => {
    mirror.batchTimer = null;
    drain(mirror, mirror.pendingBytes === 0);
  }, MIRROR_BATCH_MS);
}

/**
 * Handles a mirror's requests in order until a batch of output is being parsed (or none are
 * left). Held lines are parsed before a snapshot or a resize, and once output has paused.
 */
function drain(mirror: Mirror, paused = false): void {
  while (!mirror.parsing) {
    const next = mirror.pending[0];
    if (next?.type === 'write') {
      if (mirror.batchTimer) clearTimeout(mirror.batchTimer);
      mirror.batchTimer = null;
      parseBatch(mirror, true);
      continue;
    }
    if (mirror.held && (next || paused)) {
      parseBatch(mirror, false);
      continue;
    }
    if (!next) {
      if (mirror.held) schedule(mirror);
      return;
    }
    mirror.pending.shift();
    if (next.type === 'resize') {
      mirror.filter.resize(next.rows, next.cols);
      mirror.term.resize(next.cols, next.rows);
    } else {
      const data = mirror.serializer.serialize({ scrollback: mirror.scrollback });
      reply({ type: 'snapshot', requestId: next.requestId, data });
    }
  }
}

/**
 * Parses the held lines and every write at the head of the queue as one batch; the requests
 * after it wait. With `hold`, the batch's trailing plain lines are held for the next one.
 */
function parseBatch(mirror: Mirror, hold: boolean): void {
  const chunks: Uint8Array[] = mirror.held ? [mirror.held] : [];
  mirror.held = null;
  let written = 0;
  for (let next = mirror.pending[0]; next?.type === 'write'; next = mirror.pending[0]) {
    mirror.pending.shift();
    chunks.push(next.data);
    written += next.data.length;
  }
  mirror.pendingBytes -= written;
  // A flood's pieces are scanned where they are; anything else is joined and split.
  const pieces = mirror.filter.splitPieces(chunks);
  const { parse, tail } = pieces ?? mirror.filter.split(Buffer.concat(chunks));
  let text = parse;
  if (hold && tail.length > 0 && tail.length <= MIRROR_HELD_MAX_BYTES) {
    mirror.held = pieces ? tail : Buffer.from(tail); // (a copy when it is a view of the whole batch)
  } else if (tail.length > 0) text = Buffer.concat([parse, tail]);
  mirror.parsing = true;
  writeInPieces(mirror.term, text, () => {
    mirror.parsing = false;
    if (written > 0) reply({ type: 'processed', key: mirror.key, bytes: written });
    reclaimer.note(written);
    if (mirrors.get(mirror.key) === mirror) drain(mirror);
  });
}

/** Writes `data` to xterm in pieces of MIRROR_WRITE_PIECE_BYTES; `done` once all are parsed. */
function writeInPieces(term: InstanceType<typeof Terminal>, data: Uint8Array, done: () => void): void {
  let start = 0;
  for (; data.length - start > MIRROR_WRITE_PIECE_BYTES; start += MIRROR_WRITE_PIECE_BYTES) {
    term.write(data.subarray(start, start + MIRROR_WRITE_PIECE_BYTES));
  }
  term.write(data.subarray(start), done);
}
