import { parentPort } from 'node:worker_threads';
import serializePkg from '@xterm/addon-serialize';
import headlessPkg from '@xterm/headless';
import { MIRROR_BATCH_BYTES, MIRROR_BATCH_MS } from '../tuning.js';
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
 * any PTY. A snapshot or a resize parses what is queued at once.
 */
const { Terminal } = headlessPkg;
const { SerializeAddon } = serializePkg;

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
  parsing: boolean;
  batchTimer: NodeJS.Timeout | null;
}

const port = parentPort;
if (!port) throw new Error('screen-mirror-worker must run as a worker thread');
const mirrors = new Map<number, Mirror>();
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
  else mirror.batchTimer ??= setTimeout(() => drain(mirror), MIRROR_BATCH_MS);
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
    filter: new EvictedOutputFilter(m.rows, m.scrollback),
    scrollback: m.scrollback,
    pending: [],
    pendingBytes: 0,
    parsing: false,
    batchTimer: null,
  });
}

/** Handles a mirror's requests in order until a batch of output is being parsed (or none are left). */
function drain(mirror: Mirror): void {
  if (mirror.batchTimer) clearTimeout(mirror.batchTimer);
  mirror.batchTimer = null;
  while (!mirror.parsing && mirror.pending.length > 0) {
    const next = mirror.pending[0] as Pending;
    if (next.type === 'write') {
      parseBatch(mirror);
      continue;
    }
    mirror.pending.shift();
    if (next.type === 'resize') {
      mirror.filter.resize(next.rows);
      mirror.term.resize(next.cols, next.rows);
    } else {
      const data = mirror.serializer.serialize({ scrollback: mirror.scrollback });
      reply({ type: 'snapshot', requestId: next.requestId, data });
    }
  }
}

/** Parses every write at the head of the queue as one batch; the requests after it wait. */
function parseBatch(mirror: Mirror): void {
  const chunks: Uint8Array[] = [];
  for (let next = mirror.pending[0]; next?.type === 'write'; next = mirror.pending[0]) {
    mirror.pending.shift();
    chunks.push(next.data);
  }
  const bytes = Buffer.concat(chunks);
  mirror.pendingBytes -= bytes.length;
  mirror.parsing = true;
  mirror.term.write(mirror.filter.filter(bytes), () => {
    mirror.parsing = false;
    reply({ type: 'processed', key: mirror.key, bytes: bytes.length });
    if (mirrors.get(mirror.key) === mirror) drain(mirror);
  });
}
