import { type ChildProcess, spawn } from 'node:child_process';
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
import { DEFAULT_UID_BASE } from '../drivers/local/uid-range-choice.js';
import { claimUidRange, DEFAULT_UID_REGISTRY, readUidRangeRecord } from '../drivers/local/uid-range-registry.js';
import { httpRequest, localhostAgent } from './localhost.js';

function processesInUidRange(base: number, count: number): number[] {
  return processesOfUid((uid) => uid >= base && uid < base + count);
}

/**
 * A registry file of its own for a test in `dir`, starting as a copy of the host's: orchestrators
 * left to pick their range (uidRange: 'orchestrator') then never take a real installation's.
 */
export function testUidRegistry(dir: string): string {
  const file = path.join(dir, 'uid-ranges.json');
  if (fs.existsSync(DEFAULT_UID_REGISTRY)) fs.copyFileSync(DEFAULT_UID_REGISTRY, file);
  return file;
}

/** A range of HARNESS_UID_COUNT ids for one harness (as root; the ids do not matter otherwise). */
function harnessUidRange(dataDir: string): Record<string, string> {
  if (process.getuid?.() !== 0) return { SANDBOX_UID_COUNT: String(HARNESS_UID_COUNT) };
  const { range } = claimUidRange({
    registry: TEST_UID_REGISTRY,
    dataDir,
    base: null,
    count: HARNESS_UID_COUNT,
    searchFrom: HARNESS_UID_FROM,
  });
  return { SANDBOX_UID_BASE: String(range.base), SANDBOX_UID_COUNT: String(range.count) };
}

/** A test makes a few repls; the range starts above the default ranges of real installations (200000 on). */
const HARNESS_UID_COUNT = 100;
const HARNESS_UID_FROM = 1_000_000;

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
  /** The user ids its repls get: the range the orchestrator recorded in DATA_DIR, else what it was told. */
  uidRange(): { base: number; count: number };
  /** Kills the orchestrator (SIGKILL, runners survive) or stops it (SIGTERM), then starts it again. */
  restart(how: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** SIGTERM: the orchestrator flushes and stops every repl; resolves with its exit code. */
  shutdown(): Promise<number | null>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * `harness` (the default): as root, a small user id range claimed in TEST_UID_REGISTRY before
   * the orchestrator starts, far from the default ranges of real installations, and passed as
   * SANDBOX_UID_BASE (the orchestrator finds it is its own): harnesses side by side never share (or
   * kill) a repl's user. `orchestrator`: no SANDBOX_UID_BASE or SANDBOX_UID_COUNT unless `env`
   * sets them; the orchestrator claims a range as an installation of its own would.
   */
  uidRange?: 'harness' | 'orchestrator';
}

/**
 * The uid range claims of test orchestrators: a temp file shared by every harness on the machine,
 * never the host's registry. A claim lasts as long as its DATA_DIR (removed by close()): the next
 * claim drops it, so nothing piles up between runs.
 */
export const TEST_UID_REGISTRY = path.join(os.tmpdir(), 'cubicle-test-uid-ranges', 'uid-ranges.json');

/**
 * A real orchestrator process (the `orchestrator` CLI) on a free loopback port, with its own
 * DATA_DIR and a real S3-protocol server; repls run as real runner processes.
 */
export async function startOrchestratorHarness(
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<OrchestratorHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-orch-test-'));
  const s3 = await startS3();
  const store = s3.store;
  // A caller that must know the port first (an OpenID provider's redirect address) passes its own.
  const port = env.ORCHESTRATOR_PORT ? Number(env.ORCHESTRATOR_PORT) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const childEnv: Record<string, string> = {
    ...(options.uidRange === 'orchestrator' ? {} : harnessUidRange(dataDir)),
    SANDBOX_UID_REGISTRY: TEST_UID_REGISTRY,
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

  try {
    await launch();
  } catch (err) {
    await s3.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
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
    uidRange() {
      const recorded = readUidRangeRecord(dataDir);
      if (recorded) return { base: recorded.base, count: recorded.count };
      return {
        base: Number(childEnv.SANDBOX_UID_BASE ?? DEFAULT_UID_BASE),
        count: Number(childEnv.SANDBOX_UID_COUNT ?? 10_000),
      };
    },
    // As root every repl has a user id from the range; otherwise (no sandbox) runners name their folder.
    sandboxProcesses: () => {
      if (process.getuid?.() !== 0) return processesWithEnv(`WORKSPACE_DIR=${path.join(dataDir, 'sandboxes')}/`);
      const { base, count } = harness.uidRange();
      return processesInUidRange(base, count);
    },
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
