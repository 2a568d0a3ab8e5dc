import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type LogLine, type RunListResult, type RunRecord, runsPrefix } from '@cubicle/protocol';
import { eventually, type RunnerHarness, startRunner } from '../test-support/runner-harness.js';
import { type S3Harness, startS3 } from '../test-support/s3-harness.js';

// Runs in a real runner with a real S3 server: queue, timeout, cancel, SSE streaming and
// resumption, and a history that outlives the runner.

let s3: S3Harness;
let runner: RunnerHarness;
let token: string;

const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${runner.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
};
const startRun = async (body: unknown) => {
  const r = await api<{ run: RunRecord }>('/api/runs', { method: 'POST', body: JSON.stringify(body) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.run;
};
const waitFinished = (id: string, timeoutMs = 10_000) =>
  eventually(
    async () => {
      const { run } = (await api<{ run: RunRecord }>(`/api/runs/${id}`)).body;
      return run.finishedAt !== null ? run : undefined;
    },
    timeoutMs,
    `run ${id} to finish`,
  );

interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}
/** Reads a whole SSE stream (until the server ends it). */
async function readStream(
  id: string,
  headers: Record<string, string> = {},
): Promise<{ events: SseEvent[]; res: Response }> {
  const res = await fetch(`${runner.url}/api/runs/${id}/stream`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  const events: SseEvent[] = [];
  for (const block of (await res.text()).split('\n\n')) {
    const e: Partial<SseEvent> = {};
    for (const line of block.split('\n')) {
      const [field, ...rest] = line.split(': ');
      const value = rest.join(': ');
      if (field === 'event') e.event = value;
      if (field === 'id') e.id = value;
      if (field === 'data') e.data = JSON.parse(value);
    }
    if (e.event) events.push(e as SseEvent);
  }
  return { events, res };
}

before(async () => {
  s3 = await startS3();
  runner = await startRunner({ ...s3.env(), RUNS_CONCURRENCY: '1' });
  token = await runner.token();
  const socket = await runner.connect();
  await socket.emitWithAck('updateContent', {
    path: 'cubicle.json',
    content: JSON.stringify({
      tasks: { count: 'for i in $(seq 1 300); do echo "line $i"; done; echo oops >&2; exit 2' },
    }),
  });
  socket.disconnect();
});
after(async () => {
  await runner?.stop();
  await s3?.close();
});

describe('runs (real runner, real S3)', () => {
  test('a task streams every line in order over SSE, ends failed with its exit code, and can be resumed', async () => {
    const run = await startRun({ task: 'count' });
    assert.equal(run.task, 'count');
    const { events, res } = await readStream(run.id);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    const lines = events.filter((e) => e.event === 'log').map((e) => e.data as LogLine);
    assert.deepEqual(
      lines.map((l) => l.seq),
      lines.map((_, i) => i),
      'every line once, in order',
    );
    const out = lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    assert.deepEqual(
      out,
      Array.from({ length: 300 }, (_, i) => `line ${i + 1}`),
    );
    assert.ok(lines.some((l) => l.stream === 'stderr' && l.text === 'oops'));
    const done = events.at(-1);
    assert.equal(done?.event, 'done');
    const final = done?.data as RunRecord;
    assert.equal(final.status, 'failed');
    assert.equal(final.exitCode, 2);

    // Resume after line 150: only what follows, from the stored history.
    const resumed = await readStream(run.id, { 'last-event-id': '150' });
    const seqs = resumed.events.filter((e) => e.event === 'log').map((e) => (e.data as LogLine).seq);
    assert.equal(seqs[0], 151);
    assert.equal(seqs.at(-1), lines.at(-1)?.seq);
  });

  test('a run over its timeout ends timed_out and leaves no process behind', async () => {
    const run = await startRun({ command: 'echo started; sleep 120 & sleep 121; echo never', timeoutSeconds: 1 });
    const finished = await waitFinished(run.id);
    assert.equal(finished.status, 'timed_out');
    assert.match(finished.outputTail, /started\n.*timed out after 1 s/s);
    assert.doesNotMatch(finished.outputTail, /^never$/m);
    assert.deepEqual(runner.leftoverProcesses().filter(isSleep), []);
  });

  test('the queue runs in order when a slot frees; cancel works queued and running', async () => {
    const a = await startRun({ command: 'sleep 0.5; echo a' });
    const b = await startRun({ command: 'echo b' });
    const c = await startRun({ command: 'sleep 60' });
    const d = await startRun({ command: 'echo d' });
    assert.equal((await api<{ run: RunRecord }>(`/api/runs/${b.id}`)).body.run.status, 'queued');
    const canceledQueued = await api<{ run: RunRecord }>(`/api/runs/${d.id}/cancel`, { method: 'POST' });
    assert.equal(canceledQueued.body.run.status, 'canceled');
    assert.equal(canceledQueued.body.run.startedAt, null);
    const [fa, fb] = [await waitFinished(a.id), await waitFinished(b.id)];
    assert.ok((fa.finishedAt ?? 0) <= (fb.startedAt ?? 0), 'b started after a finished');
    await eventually(async () => (await api<{ run: RunRecord }>(`/api/runs/${c.id}`)).body.run.status === 'running');
    const canceled = await api<{ run: RunRecord }>(`/api/runs/${c.id}/cancel`, { method: 'POST' });
    assert.equal(canceled.body.run.status, 'canceled');
  });

  test('bad requests, unknown tasks and missing tokens get clear errors', async () => {
    const post = (body: unknown) =>
      api<{ error: { code: string } }>('/api/runs', { method: 'POST', body: JSON.stringify(body) });
    assert.equal((await post({ task: 'nope' })).body.error.code, 'ENOENT');
    assert.equal((await post({})).status, 400);
    assert.equal((await post({ task: 'count', command: 'x' })).status, 400);
    assert.equal((await post({ task: '../x' })).status, 400);
    assert.equal((await post({ command: 'true', extra: 1 })).status, 400);
    assert.equal((await api('/api/runs/rnot-an-id')).status, 400);
    assert.equal((await api('/api/runs/r000000000000000')).status, 404);
    assert.equal((await fetch(`${runner.url}/api/runs`)).status, 401);
    const raw = (body: string, type = 'application/json') =>
      api<{ error: { code: string } }>('/api/runs', { method: 'POST', body, headers: { 'content-type': type } });
    const malformed = await raw('{"command": ');
    assert.deepEqual([malformed.status, malformed.body.error.code], [400, 'EINVAL']);
    const huge = await raw(JSON.stringify({ command: 'x'.repeat(300_000) }));
    assert.deepEqual([huge.status, huge.body.error.code], [413, 'E2BIG']);
    assert.equal((await raw('command=true', 'application/x-www-form-urlencoded')).status, 400, 'JSON only');
    const unknown = await api<{ error: { code: string } }>('/api/nothing-here');
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'ENOENT']);
    assert.equal((await api('/api/runs/%E0%A4%A')).status, 400, 'a malformed escape in the path');
  });

  test('the history is in object storage, paginated, and survives a restart of the runner', async () => {
    const before = (await api<RunListResult>('/api/runs?limit=100')).body.runs;
    assert.equal(before.length, 6);
    const keys = await s3.store.listKeys(runsPrefix(runner.replId));
    assert.equal(keys.filter((k) => k.endsWith('.json')).length, 6);

    await runner.stop();
    runner = await startRunner({ ...s3.env() }, { replId: runner.replId, key: runner.key });
    token = await runner.token();
    const page1 = (await api<RunListResult>('/api/runs?limit=4')).body;
    assert.deepEqual(
      page1.runs.map((r) => r.id),
      before.slice(0, 4).map((r) => r.id),
    );
    assert.ok(page1.next);
    const page2 = (await api<RunListResult>(`/api/runs?limit=4&before=${page1.next}`)).body;
    assert.deepEqual(
      page2.runs.map((r) => r.id),
      before.slice(4).map((r) => r.id),
    );
    assert.equal(page2.next, null);
    const first = before.at(-1);
    assert.ok(first);
    const { events } = await readStream(first.id);
    assert.equal(events.filter((e) => e.event === 'log' && (e.data as LogLine).stream === 'stdout').length, 300);
  });
});

function isSleep(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
  } catch {
    return false;
  }
}
