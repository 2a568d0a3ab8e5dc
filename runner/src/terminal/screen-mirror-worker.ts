import { parentPort } from 'node:worker_threads';
import serializePkg from '@xterm/addon-serialize';
import headlessPkg from '@xterm/headless';
import type { MirrorReply, MirrorRequest } from './screen-mirror-messages.js';

/**
 * Worker thread that keeps a headless xterm per terminal, fed with exactly the output clients
 * were sent, so an attaching client can be given the screen and scrollback as they are now.
 * It runs off the socket's thread because parsing costs about as much CPU as the PTY itself.
 */
const { Terminal } = headlessPkg;
const { SerializeAddon } = serializePkg;

interface Mirror {
  term: InstanceType<typeof Terminal>;
  serializer: InstanceType<typeof SerializeAddon>;
  scrollback: number;
}

const port = parentPort;
if (!port) throw new Error('screen-mirror-worker must run as a worker thread');
const mirrors = new Map<number, Mirror>();
const reply = (m: MirrorReply) => port.postMessage(m);

port.on('message', (m: MirrorRequest) => {
  switch (m.type) {
    case 'open': {
      const term = new Terminal({ cols: m.cols, rows: m.rows, scrollback: m.scrollback, allowProposedApi: true });
      const serializer = new SerializeAddon();
      term.loadAddon(serializer);
      term.onTitleChange((title) => reply({ type: 'title', key: m.key, title }));
      mirrors.set(m.key, { term, serializer, scrollback: m.scrollback });
      return;
    }
    case 'write': {
      const mirror = mirrors.get(m.key);
      const chars = m.chars;
      if (!mirror) return reply({ type: 'processed', key: m.key, chars });
      mirror.term.write(m.data, () => reply({ type: 'processed', key: m.key, chars }));
      return;
    }
    case 'resize':
      mirrors.get(m.key)?.term.resize(m.cols, m.rows);
      return;
    case 'snapshot': {
      const mirror = mirrors.get(m.key);
      if (!mirror) return reply({ type: 'snapshot', requestId: m.requestId, data: '' });
      // Writes are parsed asynchronously: an empty write's callback runs after all earlier ones.
      mirror.term.write('', () =>
        reply({
          type: 'snapshot',
          requestId: m.requestId,
          data: mirror.serializer.serialize({ scrollback: mirror.scrollback }),
        }),
      );
      return;
    }
    case 'dispose':
      mirrors.get(m.key)?.term.dispose();
      mirrors.delete(m.key);
      return;
  }
});
