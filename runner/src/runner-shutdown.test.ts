import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { runnerShutdown, type ShutdownSteps } from './runner-shutdown.js';

/** Steps that record when each ran; `sync` flushes in `flushMs`, or never within the timeout. */
function recordingSteps(opts: { flushMs?: number; sessionsEnd?: boolean; pending?: string[] } = {}) {
  const order: string[] = [];
  const granted: number[] = [];
  // A session that hangs: it would end in a minute (a timer that also keeps this test's process alive).
  let hung: NodeJS.Timeout | undefined;
  const steps: ShutdownSteps = {
    refuseWrites: () => order.push('refuse writes'),
    stopAccepting: () => order.push('stop accepting'),
    drainWrites: async () => void order.push('drain writes'),
    endSessions: () =>
      opts.sessionsEnd === false
        ? new Promise((resolve) => {
            hung = setTimeout(resolve, 60_000);
          })
        : Promise.resolve(order.push('end sessions')),
    disconnectClients: async () => void order.push('disconnect clients'),
    settleWatcher: async () => void order.push('settle watcher'),
    sync: {
      rescan: async () => void order.push('rescan'),
      flush: async (timeoutMs) => {
        order.push('flush');
        granted.push(timeoutMs);
        const needs = opts.flushMs ?? 0;
        await new Promise((resolve) => setTimeout(resolve, Math.min(needs, timeoutMs)));
        return needs <= timeoutMs;
      },
      pendingPaths: () => opts.pending ?? [],
      stop: () => order.push('stop sync'),
    },
    release: async () => void order.push('release'),
  };
  return { steps, order, granted, unhang: () => clearTimeout(hung) };
}

function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('runnerShutdown', () => {
  it('refuses writes first, lets accepted ones land, ends sessions, and flushes only after the watcher settled', async () => {
    const { steps, order } = recordingSteps();
    const { log } = capturedLog();
    const clean = await runnerShutdown(steps, { flushTimeoutMs: 5000, sessionDeadlineMs: 1000 }, log)('test');
    assert.equal(clean, true);
    assert.deepEqual(order, [
      'refuse writes',
      'stop accepting',
      'drain writes',
      'end sessions',
      'disconnect clients',
      'settle watcher',
      'rescan',
      'flush',
      'stop sync',
      'release',
    ]);
  });

  it('runs once, whoever asks: a second caller gets the same answer', async () => {
    const { steps, order } = recordingSteps({ flushMs: 30 });
    const { log } = capturedLog();
    const shutdown = runnerShutdown(steps, { flushTimeoutMs: 5000, sessionDeadlineMs: 1000 }, log);
    const [a, b] = await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
    assert.deepEqual([a, b], [true, true]);
    assert.equal(order.filter((s) => s === 'flush').length, 1);
  });

  it('a session that never ends does not keep the flush from S3: it goes ahead after the session deadline', async () => {
    const { steps, order, granted, unhang } = recordingSteps({ sessionsEnd: false });
    const { log } = capturedLog();
    const clean = await runnerShutdown(steps, { flushTimeoutMs: 5000, sessionDeadlineMs: 50 }, log)('test');
    unhang();
    assert.equal(clean, true);
    assert.ok(order.includes('flush') && !order.includes('end sessions'));
    assert.ok(granted[0] !== undefined && granted[0] < 5000, 'the flush gets what is left of SHUTDOWN_TIMEOUT');
  });

  it('answers false when the flush outlasts SHUTDOWN_TIMEOUT, names what is not in S3, and still releases', async () => {
    const { steps, order } = recordingSteps({ flushMs: 10_000, pending: ['src/a.ts', 'notes.md'] });
    const { log, lines } = capturedLog();
    const clean = await runnerShutdown(steps, { flushTimeoutMs: 100, sessionDeadlineMs: 50 }, log)('test');
    assert.equal(clean, false);
    const report = lines.find((l) => l.msg === 'shutdown timed out with changes not in S3');
    assert.deepEqual(report?.pending, ['src/a.ts', 'notes.md']);
    assert.equal(report?.count, 2);
    assert.deepEqual(order.slice(-2), ['stop sync', 'release']);
    assert.equal(lines.at(-1)?.clean, false);
  });
});
