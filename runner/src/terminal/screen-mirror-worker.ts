import { parentPort } from 'node:worker_threads';
import { HeapReclaimer } from '../support/heap-reclaimer.js';
import {
  MIRROR_BATCH_BYTES,
  MIRROR_BATCH_MS,
  MIRROR_HELD_MAX_BYTES,
  MIRROR_PARSED_SCROLLBACK_LINES,
  MIRROR_POST_BYTES,
} from '../tuning.js';
import { EvictedOutputFilter } from './evicted-output.js';
import { MirroredTerminal } from './mirrored-terminal.js';
import { unfinishedSgrStart } from './plain-text-scan.js';
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
 * Once a terminal's output has been quiet a while, the rows it scrolled through xterm move to
 * its text archive (MirroredTerminal.harvest()).
 */
type Pending = Exclude<MirrorRequest, { type: 'open' } | { type: 'dispose' }>;

interface Mirror {
  key: number;
  view: MirroredTerminal;
  filter: EvictedOutputFilter;
  pending: Pending[];
  /** Bytes of the writes in `pending`. */
  pendingBytes: number;
  /** Trailing plain lines of the last batch, not parsed yet: the next batch may scroll them away. */
  held: Buffer | null;
  parsing: boolean;
  batchTimer: NodeJS.Timeout | null;
  harvestTimer: NodeJS.Timeout | null;
  harvestQuietMs: number;
}

const port = parentPort;
if (!port) throw new Error('screen-mirror-worker must run as a worker thread');
const mirrors = new Map<number, Mirror>();
const reclaimer = new HeapReclaimer();
const reply = (m: MirrorReply) => port.postMessage(m);

port.on('message', (m: MirrorRequest) => {
  if (m.type === 'open') return open(m);
  const mirror = mirrors.get(m.key);
  if (mirror?.harvestTimer && m.type !== 'snapshot') {
    clearTimeout(mirror.harvestTimer); // output is not quiet yet (a snapshot changes nothing)
    mirror.harvestTimer = null;
  }
  if (m.type === 'dispose') {
    if (mirror?.batchTimer) clearTimeout(mirror.batchTimer);
    mirror?.view.dispose();
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
  const parsedScrollback = Math.min(m.scrollback, MIRROR_PARSED_SCROLLBACK_LINES);
  const filter = new EvictedOutputFilter(m.rows, m.scrollback, m.cols, parsedScrollback);
  const onTitle = (title: string) => reply({ type: 'title', key: m.key, title });
  mirrors.set(m.key, {
    key: m.key,
    view: new MirroredTerminal(m.cols, m.rows, m.scrollback, parsedScrollback, () => filter.hasScrollRegion, onTitle),
    filter,
    pending: [],
    pendingBytes: 0,
    held: null,
    parsing: false,
    batchTimer: null,
    harvestTimer: null,
    harvestQuietMs: m.harvestQuietMs,
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
      else mirror.harvestTimer ??= setTimeout(() => mirror.view.harvest(), mirror.harvestQuietMs);
      return;
    }
    mirror.pending.shift();
    if (next.type === 'resize') {
      mirror.filter.resize(next.rows, next.cols);
      mirror.parsing = true; // (a resize may have to parse the archived rows again)
      let resized = false;
      mirror.view.resize(next.cols, next.rows, () => {
        mirror.parsing = false;
        if (resized && mirrors.get(mirror.key) === mirror) drain(mirror);
      });
      resized = true;
    } else {
      reply({ type: 'snapshot', requestId: next.requestId, data: mirror.view.snapshot() });
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
  // A flood's last piece ends anywhere, often inside a colour sequence: that much waits for the
  // next batch as well, which finishes it, so that each batch's pieces read as plain.
  const unfinished = hold ? splitOffUnfinishedSgr(chunks) : null;
  // A flood's pieces are scanned where they are; anything else is joined and split.
  const pieces = mirror.filter.splitPieces(chunks);
  const { parse, tail, archive } = pieces ?? mirror.filter.split(Buffer.concat(chunks));
  let text = parse;
  if (hold && tail.length > 0 && tail.length <= MIRROR_HELD_MAX_BYTES) {
    mirror.held = pieces ? tail : Buffer.from(tail); // (a copy when it is a view of the whole batch)
  } else if (tail.length > 0) text = Buffer.concat([parse, tail]);
  if (unfinished) mirror.held = mirror.held ? Buffer.concat([mirror.held, unfinished]) : unfinished;
  mirror.parsing = true;
  mirror.view.write(text, archive, () => {
    mirror.parsing = false;
    if (written > 0) reply({ type: 'processed', key: mirror.key, bytes: written });
    reclaimer.note(written);
    if (mirrors.get(mirror.key) === mirror) drain(mirror);
    // (a reader that stopped: the PTY paused, and this was the last of its output for now)
    if (written >= MIRROR_POST_BYTES && !mirror.parsing && mirror.pending.length === 0) reclaimer.collectYoung();
  });
}

/** Takes an unfinished SGR sequence off the end of the last chunk, as a copy. */
function splitOffUnfinishedSgr(chunks: Uint8Array[]): Buffer | null {
  const last = chunks.at(-1);
  const at = last ? unfinishedSgrStart(last) : -1;
  if (!last || at === -1) return null;
  chunks[chunks.length - 1] = last.subarray(0, at);
  return Buffer.from(last.subarray(at));
}
