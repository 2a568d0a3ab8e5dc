import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ProcessInfo, ProcessListResult } from '@cubicle/protocol';
import { sessionMembers } from '../support/process-session.js';
import { eventually, type RunnerClient, type RunnerHarness, startRunner } from '../test-support/runner-harness.js';

// The process manager in a real runner: real shells in their own sessions, real crashes,
// real memory growth, driven through the Socket.io events and the REST routes.

let runner: RunnerHarness;
let socket: RunnerClient;
const statuses: ProcessInfo[] = [];

type Ack = { ok: boolean; error?: { code: string; message: string } } & Record<string, unknown>;
const call = (event: string, payload: unknown) =>
  (socket.emitWithAck as (e: string, p: unknown) => Promise<Ack>)(event, payload);

async function writeConfig(config: unknown): Promise<void> {
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  const r = await call('updateContent', { path: 'cubicle.json', content: text });
  assert.equal(r.ok, true, JSON.stringify(r));
}

async function list(): Promise<ProcessListResult> {
  const r = await call('process:list', {});
  assert.equal(r.ok, true);
  return r as unknown as ProcessListResult;
}

const state = async (name: string) => (await list()).processes.find((p) => p.name === name);

const CONFIG = {
  run: 'echo "app on port $PORT"; exec sleep 300',
  processes: {
    // Node's way to die: the error line, then its stack frames and banner (the message must pick the error).
    crasher: `node -e "process.exitCode = 3; throw new Error('boom')"; exit 3`,
    hog: `node -e "const a=[]; setInterval(() => a.push(Buffer.alloc(16e6, 1)), 50)"`,
    forker: 'sleep 300 & sleep 301 & wait',
    portless: 'echo "port=[$PORT]"; exec sleep 300',
  },
  tasks: { hello: 'echo hello' },
};

before(async () => {
  runner = await startRunner({ PROCESS_BACKOFF_MS: '50', PROCESS_MEMORY_LIMIT_MB: '64', APP_PORT: '4567' });
  socket = await runner.connect();
  socket.on('process:status', (s) => statuses.push(s));
  await writeConfig(CONFIG);
  await eventually(async () => (await list()).processes.length === 5, 5000, 'cubicle.json to be read');
});
after(() => runner?.stop());

describe('process manager (real runner, real processes)', () => {
  test('app gets PORT=$APP_PORT, others none; its output is in its log; stop ends it', async () => {
    const started = await call('process:start', { name: 'app' });
    assert.equal(started.ok, true, JSON.stringify(started));
    await eventually(async () => (await state('app'))?.state === 'running', 5000, 'app running');
    const logs = await call('process:logs', { name: 'app' });
    const lines = (logs.lines as { stream: string; text: string }[]).map((l) => `${l.stream}:${l.text}`);
    assert.ok(lines.includes('stdout:app on port 4567'), lines.join('\n'));
    assert.ok(lines.includes('system:$ echo "app on port $PORT"; exec sleep 300'));

    await call('process:start', { name: 'portless' });
    await eventually(async () => {
      const l = (await call('process:logs', { name: 'portless' })).lines as { text: string }[];
      return l.some((x) => x.text === 'port=[]');
    }, 5000);
    await call('process:stop', { name: 'portless' });

    // A running app keeps the repl alive for the idle reaper, without any input.
    await new Promise((r) => setTimeout(r, 1500));
    const activity = (await (await fetch(`${runner.url}/activity`)).json()) as { lastActivityAt: number };
    assert.ok(
      Date.now() - activity.lastActivityAt < 500,
      `app counts as activity (${Date.now() - activity.lastActivityAt} ms)`,
    );

    const app = await state('app');
    assert.ok(app?.pid);
    const stopped = await call('process:stop', { name: 'app' });
    assert.equal((stopped.process as ProcessInfo).state, 'stopped');
    assert.deepEqual(sessionMembers(app.pid), []);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = (await (await fetch(`${runner.url}/activity`)).json()) as { lastActivityAt: number };
    assert.ok(Date.now() - idle.lastActivityAt >= 900, 'a stopped app is not activity');
    assert.ok(
      statuses.some((s) => s.name === 'app' && s.state === 'running'),
      'status pushed to clients',
    );
  });

  test('a crash loop backs off, then ends errored with the error line itself after the cap', async () => {
    await call('process:start', { name: 'crasher' });
    const errored = await eventually(
      async () => {
        const s = await state('crasher');
        return s?.state === 'errored' ? s : undefined;
      },
      15_000,
      'crasher errored',
    );
    assert.equal(errored.restarts, 5);
    assert.equal(errored.exitCode, 3);
    assert.match(errored.message ?? '', /^Error: boom \(exited with code 3\); crashed 6 times/);
    assert.ok(statuses.some((s) => s.name === 'crasher' && s.state === 'backoff'));
    const restarted = await call('process:restart', { name: 'crasher' });
    assert.equal((restarted.process as ProcessInfo).restarts, 0, 'a person restarting it resets the count');
    await call('process:stop', { name: 'crasher' });
  });

  test('a process over its memory limit is restarted, with the reason in its log', async () => {
    await call('process:start', { name: 'hog' });
    const hog = await eventually(
      async () => {
        const s = await state('hog');
        return s && s.restarts >= 1 ? s : undefined;
      },
      20_000,
      'hog restarted',
    );
    assert.match(hog.message ?? '', /over its 64 MB limit/);
    assert.equal(hog.memoryLimitBytes, 64 * 1024 * 1024);
    await call('process:stop', { name: 'hog' });
  });

  test('stop kills the whole session: children forked in the background go too', async () => {
    await call('process:start', { name: 'forker' });
    const forker = await eventually(async () => {
      const s = await state('forker');
      return s?.state === 'running' && s.pid && sessionMembers(s.pid).length >= 3 ? s : undefined;
    }, 5000);
    assert.ok(forker.pid);
    assert.ok((forker.memoryBytes ?? 0) > 0 || forker.memoryBytes === null);
    await call('process:stop', { name: 'forker' });
    assert.deepEqual(sessionMembers(forker.pid), []);
  });

  test('restartOnSave: a saved file restarts the running app once; dependencies and a stopped app do not', async () => {
    await writeConfig({ ...CONFIG, restartOnSave: true });
    const launches = async () =>
      ((await call('process:logs', { name: 'app' })).lines as { text: string }[]).filter((l) =>
        l.text.startsWith('$ echo "app on port'),
      ).length;
    const before = await launches();
    await call('process:start', { name: 'app' });
    const running = await eventually(
      async () => {
        const s = await state('app');
        return s?.state === 'running' && s.pid ? s : undefined;
      },
      5000,
      'app running',
    );
    // A burst: ten files saved at once, plus changes under node_modules, is one restart.
    for (let i = 0; i < 10; i++) assert.ok((await call('updateContent', { path: `src/f${i}.js`, content: `${i}` })).ok);
    assert.ok((await call('updateContent', { path: 'node_modules/dep/index.js', content: 'x' })).ok);
    const restarted = await eventually(
      async () => {
        const s = await state('app');
        return s?.state === 'running' && s.pid !== running.pid ? s : undefined;
      },
      10_000,
      'app restarted with a new pid',
    );
    assert.equal(restarted.restarts, 0, 'a restart on purpose, not a crash');
    assert.equal((await launches()) - before, 2, 'started once, restarted once for the whole burst');

    await call('process:stop', { name: 'app' });
    await eventually(async () => (await state('app'))?.state === 'stopped', 5000, 'app stopped');
    assert.ok((await call('updateContent', { path: 'src/after-stop.js', content: 'x' })).ok);
    await writeConfig(CONFIG); // a change that settles: the debounce has run its course after this
    await eventually(async () => (await list()).processes.length === 5, 5000, 'config read');
    assert.equal((await state('app'))?.state, 'stopped', 'a stopped app stays stopped');
  });

  test("PUT /api/environment: the repl's variables reach the next shell, process start and run, and touch no disk", async () => {
    const token = await runner.token();
    const put = (body: unknown) =>
      fetch(`${runner.url}/api/environment`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await put({ variables: { PORT: '1' } })).status, 400, 'names Cubicle sets are refused');
    const secret = `s3cr3t-${Date.now()}`;
    const ok = await put({ variables: { API_KEY: secret, NODE_ENV: 'development' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { names: ['API_KEY', 'NODE_ENV'] });

    const started = await call('run:start', { command: 'echo "key=[$API_KEY] env=[$NODE_ENV] port=[$PORT]"' });
    assert.equal(started.ok, true, JSON.stringify(started));
    const runId = (started as unknown as { run: { id: string } }).run.id;
    const line = await eventually(
      async () => {
        const logs = (await call('run:logs', { id: runId })).lines as { text: string }[] | undefined;
        return logs?.find((l) => l.text.startsWith('key='))?.text;
      },
      5000,
      'the run to print its environment',
    );
    assert.equal(line, `key=[${secret}] env=[development] port=[4567]`); // runs are like the shell: PORT is theirs too

    await call('process:restart', { name: 'app' });
    const app = await eventually(
      async () => {
        const s = await state('app');
        return s?.state === 'running' && s.pid ? s : undefined;
      },
      5000,
      'app running',
    );
    const environ = fs.readFileSync(`/proc/${app.pid}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes(`API_KEY=${secret}`), 'the app process has it');
    assert.ok(environ.includes('PORT=4567'), 'and PORT is still the app port');
    await call('process:stop', { name: 'app' });

    // Nowhere on disk: not in the workspace, not in the runner's state folder.
    const grep = spawnSync('grep', ['-rl', secret, runner.root], { encoding: 'utf8' });
    assert.equal(grep.stdout.trim(), '', `found in: ${grep.stdout}`);
    assert.ok((await put({ variables: {} })).ok);
  });

  test('bad names, unknown processes and a malformed cubicle.json get clear errors', async () => {
    for (const name of ['../x', 'x'.repeat(65), '']) {
      const r = await call('process:start', { name });
      assert.equal(r.error?.code, 'EINVAL', name);
    }
    const unknown = await call('process:start', { name: 'nope' });
    assert.equal(unknown.error?.code, 'ENOENT');
    assert.match(unknown.error?.message ?? '', /known: app, crasher/);

    await writeConfig('{ "run": ');
    const broken = await eventually(async () => {
      const l = await list();
      return l.config.problem ? l : undefined;
    }, 5000);
    assert.match(broken.config.problem ?? '', /not valid JSON/);
    assert.equal(broken.processes.length, 5, 'the last good processes stay');

    await writeConfig({ processes: { '../x': 'true' } });
    await eventually(async () => /processes/.test((await list()).config.problem ?? ''), 5000);

    await writeConfig({ run: 'exec sleep 300', processes: { worker: 'exec sleep 300' } });
    const fixed = await eventually(async () => {
      const l = await list();
      return l.processes.length === 2 ? l : undefined;
    }, 5000);
    assert.equal(fixed.config.problem, null);
    assert.deepEqual(fixed.processes.map((p) => p.name).sort(), ['app', 'worker']);
  });

  test('REST: token required, list, start, logs, clear; stopping the runner ends every process', async () => {
    const token = await runner.token();
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${runner.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
    assert.equal((await fetch(`${runner.url}/api/processes`)).status, 401);
    const listed = (await (await api('/api/processes')).json()) as ProcessListResult;
    assert.deepEqual(listed.processes.map((p) => p.name).sort(), ['app', 'worker']);
    const activityAt = async () =>
      ((await (await fetch(`${runner.url}/activity`)).json()) as { lastActivityAt: number }).lastActivityAt;
    const quietSince = await activityAt();
    await eventually(() => Date.now() > quietSince, 1000); // a later millisecond than the last activity
    assert.equal((await api('/api/processes/worker/start', { method: 'POST' })).status, 200);
    // A start through the REST API is activity for the idle reaper, as the socket's process:start is.
    assert.ok((await activityAt()) > quietSince, 'a REST start counts as activity');
    assert.equal((await api('/api/processes/nope/start', { method: 'POST' })).status, 404);
    assert.equal((await api('/api/processes/..%2Fx/start', { method: 'POST' })).status, 400);
    await eventually(async () => (await state('worker'))?.state === 'running', 5000);
    const logs = (await (await api('/api/processes/worker/logs?limit=1')).json()) as { lines: unknown[] };
    assert.equal(logs.lines.length, 1);
    assert.equal((await api('/api/processes/worker/logs', { method: 'DELETE' })).status, 204);
    assert.equal(((await (await api('/api/processes/worker/logs')).json()) as { lines: unknown[] }).lines.length, 0);
    const doc = (await (await fetch(`${runner.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/api/processes/{name}/restart'] && doc.paths['/api/runs/{id}/stream']);

    const worker = await state('worker');
    assert.ok(worker?.pid);
    assert.equal(await runner.stop(), 0);
    assert.deepEqual(sessionMembers(worker.pid), []);
  });
});
