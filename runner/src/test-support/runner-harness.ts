import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunnerClientEvents, RunnerLimits, RunnerServerEvents, SyncStatusPush } from '@cubicle/protocol';
import { io, type Socket } from 'socket.io-client';
import { mintRunnerToken } from '../auth/runner-token.js';
import { RUNNER_NODE_FLAGS, RUNNER_PROCESS_ENV } from '../tuning.js';
import { makeSigningKey, type TestSigningKey, writeKeySet } from './test-keys.js';

export type RunnerClient = Socket<RunnerServerEvents, RunnerClientEvents>;

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));

const syncStatusLog = new WeakMap<RunnerClient, SyncStatusPush[]>();
const limitsSeen = new WeakMap<RunnerClient, RunnerLimits>();

/** The `runner:limits` a harness client got at its connection, or null before it arrives. */
export function runnerLimits(client: RunnerClient): RunnerLimits | null {
  return limitsSeen.get(client) ?? null;
}

/** Every `sync:status` push a harness client got, from its first moment (grows as more arrive). */
export function syncStatuses(client: RunnerClient): SyncStatusPush[] {
  const log = syncStatusLog.get(client);
  if (!log) throw new Error('not a harness client');
  return log;
}

export interface RunnerHarness {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly replId: string;
  /** The orchestrator-side signing key whose public half this runner trusts. */
  readonly key: TestSigningKey;
  /** The key-set file the runner reads (RUNNER_KEYS_FILE); rewrite it to rotate keys. */
  readonly keysFile: string;
  readonly workspace: string;
  /** Holds workspace/ and state/; reuse it (with replId and key) to restart "the same" runner. */
  readonly root: string;
  readonly logs: string[];
  readonly process: ChildProcess;
  token(overrides?: { replId?: string; key?: TestSigningKey; ttlSeconds?: number }): Promise<string>;
  connect(opts?: { token?: string; origin?: string }): Promise<RunnerClient>;
  /** SIGTERM (or the given signal), wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Live processes started by this runner (found by an environment marker), the runner excluded. */
  leftoverProcesses(): number[];
}

export interface StartRunnerOptions {
  /** An existing root (from an earlier harness): it is reused and not deleted on stop. */
  root?: string;
  replId?: string;
  key?: TestSigningKey;
}

/** A fresh temp root for a runner: workspace/ inside, state/ created by the runner. */
export function makeRunnerRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-runner-test-'));
  fs.chmodSync(root, 0o755); // the runner drops root and must reach its workspace
  fs.mkdirSync(path.join(root, 'workspace'));
  return root;
}

/**
 * Starts `runner serve` as a real child process on a free loopback port, in fresh temp dirs, and
 * resolves once it is ready for clients. Sync is off unless the env names a bucket.
 */
export async function startRunner(
  env: Record<string, string> = {},
  opts: StartRunnerOptions = {},
): Promise<RunnerHarness> {
  const ownsRoot = opts.root === undefined;
  const root = opts.root ?? makeRunnerRoot();
  const workspace = path.join(root, 'workspace');
  const key = opts.key ?? (await makeSigningKey());
  const keysFile = path.join(root, 'keys', 'jwks.json');
  writeKeySet(keysFile, [key]);
  const replId = opts.replId ?? `t${randomBytes(4).toString('hex')}`;
  const mark = randomUUID();
  // RUNNER_PROFILE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the runners of a test or bench.
  const profileFlags = process.env.RUNNER_PROFILE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...RUNNER_NODE_FLAGS, ...profileFlags, CLI, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      ...RUNNER_PROCESS_ENV,
      REPL_ID: replId,
      RUNNER_KEYS_FILE: keysFile,
      WORKSPACE_DIR: workspace,
      STATE_DIR: path.join(root, 'state'),
      HOST: '127.0.0.1',
      PORT: '0',
      RUNNER_SYNC: env.S3_BUCKET ? 'on' : 'off',
      CUBICLE_TEST_MARK: mark,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runner was not ready within 30 s (LOG_LEVEL must be info or lower):\n${logs.join('\n')}`));
    }, 30_000);
    let buffered = '';
    let listeningOn = 0;
    const onLine = (line: string) => {
      logs.push(line);
      const m = /"port":(\d+).*"msg":"listening"/.exec(line);
      if (m) listeningOn = Number(m[1]);
      if (listeningOn && line.includes('"msg":"ready"')) {
        clearTimeout(timer);
        resolve(listeningOn);
      }
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        onLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code} before listening:\n${logs.join('\n')}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const sockets: RunnerClient[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const harness: RunnerHarness = {
    url,
    port,
    pid: child.pid ?? -1,
    replId,
    key,
    keysFile,
    workspace,
    root,
    logs,
    process: child,
    token: (o = {}) =>
      mintRunnerToken({
        privateKey: (o.key ?? key).privateKey,
        kid: (o.key ?? key).kid,
        replId: o.replId ?? replId,
        user: 'tester',
        ttlSeconds: o.ttlSeconds ?? 600,
      }),
    async connect(o = {}) {
      const token = o.token ?? (await harness.token());
      const socket: RunnerClient = io(url, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: o.origin ? { origin: o.origin } : {},
      });
      sockets.push(socket);
      // The runner pushes its sync status right after the handshake, possibly in the same read as
      // the connect: listen from the start, or a test would miss it.
      const statuses: SyncStatusPush[] = [];
      socket.on('sync:status', (push) => statuses.push(push));
      syncStatusLog.set(socket, statuses);
      socket.on('runner:limits', (push) => limitsSeen.set(socket, push));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(err));
      });
      return socket;
    },
    async stop(signal = 'SIGTERM') {
      for (const s of sockets) s.disconnect();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      if (ownsRoot) fs.rmSync(root, { recursive: true, force: true });
      return code;
    },
    leftoverProcesses: () => processesWithMark(mark).filter((pid) => pid !== child.pid),
  };
  return harness;
}

/** Pids whose environment carries CUBICLE_TEST_MARK=<mark> (needs to run as root or as their user). */
export function processesWithMark(mark: string): number[] {
  return processesWithEnv(`CUBICLE_TEST_MARK=${mark}\0`);
}

/** Pids whose environment contains this text (e.g. `WORKSPACE_DIR=/tmp/x/`), from /proc. */
export function processesWithEnv(text: string): number[] {
  const needle = Buffer.from(text);
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/environ`).includes(needle)) found.push(Number(name));
    } catch {
      // gone, or not readable
    }
  }
  return found;
}

/** Resident memory of a process in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Sends anything, typed or not: for tests of malformed and unknown events. */
export function emitRaw(socket: RunnerClient, event: string, ...args: unknown[]): void {
  (socket.emit as (event: string, ...args: unknown[]) => void)(event, ...args);
}

export interface RawAck {
  ok: boolean;
  error?: { code: string; message: string; version?: string };
}

/** `emitWithAck` for anything, typed or not; resolves to the raw ack. */
export function emitRawWithAck(socket: RunnerClient, event: string, payload: unknown): Promise<RawAck> {
  return (socket.emitWithAck as (event: string, payload: unknown) => Promise<RawAck>)(event, payload);
}
