import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StartReplResponse } from '@cubicle/protocol';
import type { RunnerClient } from '@cubicle/runner/test-support/runner-harness';
import { eventually, processesWithEnv } from '@cubicle/runner/test-support/runner-harness';
import { startS3 } from '@cubicle/runner/test-support/s3-harness';
import type { ObjectStore } from '@cubicle/storage';
import { io } from 'socket.io-client';
import { freePort, processesOfUid } from '../drivers/local/process-control.js';
import { httpRequest, localhostAgent } from './localhost.js';

function processesInUidRange(base: number, count: number): number[] {
  return processesOfUid((uid) => uid >= base && uid < base + count);
}

const CLI = path.resolve(import.meta.dirname, '..', 'cli.js');

export interface ApiReply<T = unknown> {
  status: number;
  body: T;
}

export interface OrchestratorHarness {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The environment it runs with (DATA_DIR and storage included): a second orchestrator on the same state. */
  readonly env: Record<string, string>;
  readonly store: ObjectStore;
  /** The harness's S3 server, http://127.0.0.1:<port>, and its key pair (its secret is random). */
  readonly s3Endpoint: string;
  readonly s3Credentials: { accessKeyId: string; secretAccessKey: string };
  /** The orchestrator's stdout so far (JSON log lines). */
  logs(): string;
  /** JSON API call; `raw` sends the body as is (for malformed input). */
  api<T = Record<string, unknown>>(
    method: string,
    route: string,
    body?: unknown,
    opts?: { raw?: string | Buffer; headers?: Record<string, string> },
  ): Promise<ApiReply<T>>;
  /** Creates a repl from a template and returns its id. */
  create(template?: string): Promise<string>;
  start(id: string): Promise<StartReplResponse>;
  /** A Socket.io client to the repl's runner through the gateway host, authenticated. */
  connect(start: StartReplResponse): Promise<RunnerClient>;
  /** Every object of a repl: workspace name → content. */
  objects(id: string): Promise<Map<string, string>>;
  /** Live processes of this harness's repls (runners and their shells). */
  sandboxProcesses(): number[];
  /** Kills the orchestrator (SIGKILL, runners survive) or stops it (SIGTERM), then starts it again. */
  restart(how: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** SIGTERM: the orchestrator flushes and stops every repl; resolves with its exit code. */
  shutdown(): Promise<number | null>;
  close(): Promise<void>;
}

/**
 * A real orchestrator process (the `orchestrator` CLI) on a free loopback port, with its own
 * DATA_DIR and a real S3-protocol server; repls run as real runner processes.
 */
export async function startOrchestratorHarness(env: Record<string, string> = {}): Promise<OrchestratorHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-orch-test-'));
  const s3 = await startS3();
  const store = s3.store;
  // A caller that must know the port first (an OpenID provider's redirect address) passes its own.
  const port = env.ORCHESTRATOR_PORT ? Number(env.ORCHESTRATOR_PORT) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A user id range of its own, so harnesses running side by side never share (or kill) a repl's user.
  const uidBase = 300_000 + randomInt(0, 100_000) * 100;
  const childEnv = {
    SANDBOX_UID_BASE: String(uidBase),
    SANDBOX_UID_COUNT: '100',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...s3.env(),
    DATA_DIR: dataDir,
    ORCHESTRATOR_PORT: String(port),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
  };
  let child: ChildProcess | null = null;
  let out = '';

  const launch = async () => {
    const from = out.length;
    const c = spawn(process.execPath, [CLI, 'serve'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await eventually(
      async () => {
        if (c.exitCode !== null) throw new Error(`orchestrator exited ${c.exitCode}: ${out.slice(from).slice(-2000)}`);
        return (await httpRequest(`${url}/readyz`).catch(() => null))?.status === 200;
      },
      60_000,
      'the orchestrator to listen',
    );
  };
  const exitOf = (c: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) resolve(c.exitCode);
      else c.once('exit', (code) => resolve(code));
    });

  const api: OrchestratorHarness['api'] = async (method, route, body, opts = {}) => {
    const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const reply = await httpRequest(url + route, {
      method,
      // A script's request: the client header passes the CSRF check (auth/browser-guard.ts) as the IDE's does.
      headers: {
        'x-cubicle-client': 'test',
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      body: payload,
    });
    let parsed: unknown = reply.text;
    try {
      parsed = reply.text ? JSON.parse(reply.text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: reply.status, body: parsed as never };
  };

  await launch();
  const harness: OrchestratorHarness = {
    url,
    port,
    dataDir,
    store,
    s3Endpoint: s3.s3.endpoint,
    s3Credentials: {
      accessKeyId: s3.s3.settings().credentials?.accessKeyId ?? '',
      secretAccessKey: s3.s3.settings().credentials?.secretAccessKey ?? '',
    },
    env: childEnv,
    logs: () => out,
    api,
    async create(template = 'node') {
      const r = await api<{ id: string }>('POST', '/api/repls', { template });
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id;
    },
    async start(id) {
      const r = await api<StartReplResponse>('POST', `/api/repls/${id}/start`);
      if (r.status !== 200) throw new Error(`start failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async connect(start) {
      const socket: RunnerClient = io(start.runnerUrl, {
        auth: { token: start.token },
        transports: ['websocket'],
        // socket.io-client types `agent` as string | boolean, but passes it to Node's http/ws as an Agent.
        agent: localhostAgent as unknown as string,
        extraHeaders: { origin: `http://localhost:${port}` },
        reconnection: false,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      return socket;
    },
    async objects(id) {
      const objects = await s3.objects(id);
      return new Map([...objects].map(([name, body]) => [name, body.toString('utf8')]));
    },
    // As root every repl has a user id from the range; otherwise (no sandbox) runners name their folder.
    sandboxProcesses: () =>
      process.getuid?.() === 0
        ? processesInUidRange(uidBase, Number(childEnv.SANDBOX_UID_COUNT))
        : processesWithEnv(`WORKSPACE_DIR=${path.join(dataDir, 'sandboxes')}/`),
    async restart(how) {
      const c = child as ChildProcess | null;
      if (c) {
        c.kill(how);
        await exitOf(c);
      }
      await launch();
    },
    async shutdown() {
      const c = child as ChildProcess | null;
      if (!c) return null;
      c.kill('SIGTERM');
      return exitOf(c);
    },
    async close() {
      const c = child as ChildProcess | null;
      if (c && c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await Promise.race([exitOf(c), sleep(30_000, undefined, { ref: false })]);
        c.kill('SIGKILL');
      }
      for (const pid of harness.sandboxProcesses()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await s3.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
