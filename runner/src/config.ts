import os from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  configError,
  DEFAULT_MAX_FILE_BYTES,
  type SettingGroup,
  settingProblems,
  TERMINAL_ACK_BATCH_BYTES,
} from '@cubicle/protocol';
import { parseS3Settings, type S3Settings } from '@cubicle/storage';
import { z } from 'zod';
import { FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK, PROCESS_BACKOFF_MIN_MS } from './tuning.js';

const MiB = 1024 * 1024;
const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );

/** What `runner pull` and `runner serve` both need (docs/architecture.md, "Configuration"). */
const WorkspaceEnv = z.object({
  REPL_ID: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'REPL_ID must be a DNS label')
    .describe('The repl this runner serves (a DNS label); its objects are under code/<REPL_ID>/.'),
  WORKSPACE_DIR: z.string().default('/workspace').describe("The repl's files."),
  STATE_DIR: z
    .string()
    .optional()
    .describe(
      "Runner state outside the workspace: the sync journal and the shells' HOME (default: a folder in the temp directory).",
    ),
  RUNNER_UID: int(1000).describe('As root, the user the runner drops to.'),
  RUNNER_GID: int(1000).describe('As root, the group the runner drops to.'),
  RUNNER_ALLOW_ROOT: z
    .enum(['0', '1'])
    .default('0')
    .describe('`1` lets the runner keep running as root (tests; never in a sandbox).'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
});

/** The runner's environment, validated once at start. */
const RunnerEnv = WorkspaceEnv.extend({
  RUNNER_KEYS_FILE: z
    .string()
    .min(1, 'RUNNER_KEYS_FILE must name the key-set file')
    .describe("The orchestrator's public token keys (a JWKS file, read-only): tokens are checked against them."),
  HOST: z.string().default('0.0.0.0').describe('Address the runner listens on.'),
  PORT: int(3001).describe("Port of the runner's Socket.io endpoint and HTTP API."),
  APP_PORT: int(3000).describe("Port the user's app listens on ($PORT in shells and processes)."),
  LISTEN_FD: z.coerce
    .number()
    .int()
    .min(3)
    .optional()
    .describe('A listening socket handed over by the local sandbox, served instead of HOST:PORT.'),
  APP_LISTEN_FD: z.coerce
    .number()
    .int()
    .min(3)
    .optional()
    .describe('A handed-over listening socket whose connections go to the app on 127.0.0.1:APP_PORT.'),
  ALLOWED_ORIGINS: list('http://localhost:8080').describe(
    "Origins allowed to open a socket (the IDE's), comma-separated; `http://*.example.com` matches subdomains.",
  ),
  MAX_FILE_BYTES: int(DEFAULT_MAX_FILE_BYTES).describe(
    'The largest file the runner accepts (uploads, saves); told to clients at connect.',
  ),
  TERMINAL_GRACE_MS: int(10 * 60 * 1000).describe('How long a terminal with no client lives on before it is closed.'),
  FLOW_HIGH_WATERMARK: int(FLOW_HIGH_WATERMARK).describe(
    'Unacknowledged terminal output at which the shell is paused.',
  ),
  FLOW_LOW_WATERMARK: int(FLOW_LOW_WATERMARK).describe(
    "…and below which it resumes; must be above the IDE's ack batch (64 KB).",
  ),
  WATCH_IGNORE: list('node_modules,.cache').describe('Folder names the file watcher and sync skip, comma-separated.'),
  RUNNER_SHELL: z.string().default('/bin/bash').describe('The shell of terminals.'),
  SHUTDOWN_TIMEOUT: z.coerce
    .number()
    .positive()
    .default(20)
    .describe('Seconds a SIGTERM may spend flushing to storage before the runner gives up (exit 1).'),
  RUNNER_SYNC: z
    .enum(['on', 'off'])
    .default('on')
    .describe('`off` runs without object storage (tests of terminals and files alone).'),
  MEMORY_EVENTS_FILE: z
    .string()
    .optional()
    .describe("The sandbox's cgroup memory.events, so an out-of-memory kill can be told apart."),
  REPL_MEMORY_LIMIT_MB: int(0).describe(
    "The repl's memory limit as the sandbox enforces it, for messages; 0 for none.",
  ),
  PROCESS_MEMORY_LIMIT_MB: int(1024).describe(
    'A supervised process using more memory than this is restarted; 0 for no limit.',
  ),
  PROCESS_BACKOFF_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(PROCESS_BACKOFF_MIN_MS)
    .describe('First restart delay after a crash, in ms (doubles per consecutive crash).'),
  RUNS_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2).describe('Runs at once; more wait in a queue.'),
  RUN_TIMEOUT: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(600)
    .describe('Default timeout of a run, in seconds (a run may ask for its own).'),
  APP_KEEPALIVE: int(2 * 60 * 60).describe(
    'How long a running app keeps the repl from the idle reaper after the last input, in seconds.',
  ),
})
  .refine((e) => e.FLOW_LOW_WATERMARK > TERMINAL_ACK_BATCH_BYTES, {
    message: `FLOW_LOW_WATERMARK must be above the IDE's terminal ack batch (${TERMINAL_ACK_BATCH_BYTES} bytes), or a paused terminal never resumes`,
  })
  .refine((e) => e.FLOW_LOW_WATERMARK < e.FLOW_HIGH_WATERMARK, {
    message: 'FLOW_LOW_WATERMARK must be below FLOW_HIGH_WATERMARK',
  });

export interface WorkspaceConfig {
  replId: string;
  workspaceDir: string;
  /** Runner state kept outside the workspace (sync journal, shell home; never synced, never in the tree). */
  stateDir: string;
  /** Object storage, or null when sync is off. */
  s3: S3Settings | null;
  /** The user shells and file operations run as when the runner is started as root. */
  runAs: { uid: number; gid: number } | null;
  logLevel: string;
}

export interface RunnerConfig extends WorkspaceConfig {
  /** The key-set file the orchestrator publishes (public keys only). */
  keysFile: string;
  host: string;
  port: number;
  appPort: number;
  /** Inherited listening sockets (the local sandbox hands them over; see docs/security.md). */
  listenFd: number | null;
  appListenFd: number | null;
  allowedOrigins: string[];
  maxFileBytes: number;
  terminalGraceMs: number;
  flowHighWatermark: number;
  flowLowWatermark: number;
  watchIgnore: string[];
  shell: string;
  shutdownTimeoutMs: number;
  processMemoryLimitBytes: number | null;
  /** The sandbox's cgroup events file and the repl's memory limit, when the sandbox has them. */
  memoryEventsFile: string | null;
  replMemoryLimitBytes: number | null;
  processBackoffMs: number;
  runsConcurrency: number;
  runTimeoutSeconds: number;
  appKeepAliveMs: number;
}

export { ConfigError };

function parseEnv<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  withS3: boolean,
): { e: z.infer<T>; s3: S3Settings | null } {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : settingProblems(parsed.error);
  let s3: S3Settings | null = null;
  if (withS3) {
    const r = parseS3Settings(env);
    if ('problems' in r) problems.push(...r.problems);
    else s3 = r.settings;
  }
  if (!parsed.success || problems.length > 0) throw configError('runner', problems);
  return { e: parsed.data, s3 };
}

function workspaceConfig(e: z.infer<typeof WorkspaceEnv>, s3: S3Settings | null): WorkspaceConfig {
  const workspaceDir = path.resolve(e.WORKSPACE_DIR);
  const stateDir = path.resolve(e.STATE_DIR ?? path.join(os.tmpdir(), 'cubicle-runner', e.REPL_ID));
  if (isInside(stateDir, workspaceDir)) {
    throw new ConfigError('invalid runner configuration: STATE_DIR must be outside WORKSPACE_DIR');
  }
  const isRoot = process.getuid?.() === 0;
  return {
    replId: e.REPL_ID,
    workspaceDir,
    stateDir,
    s3,
    runAs: isRoot && e.RUNNER_ALLOW_ROOT !== '1' ? { uid: e.RUNNER_UID, gid: e.RUNNER_GID } : null,
    logLevel: e.LOG_LEVEL,
  };
}

/** `runner broker`: the storage broker of one repl pod (its own container, uid and credentials). */
const BrokerEnv = z.object({
  REPL_ID: WorkspaceEnv.shape.REPL_ID.describe('The repl whose objects the broker opens (and no other).'),
  BROKER_SOCKET: z
    .string()
    .default('/run/cubicle/s3.sock')
    .describe("The Unix socket it serves, in a volume only this pod's containers mount."),
  LOG_LEVEL: WorkspaceEnv.shape.LOG_LEVEL.describe('pino log level.'),
});
export interface BrokerConfig {
  replId: string;
  socket: string;
  s3: S3Settings;
  logLevel: RunnerConfig['logLevel'];
}

export function loadBrokerConfig(env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  const { e, s3 } = parseEnv(BrokerEnv, env, true);
  if (!s3) throw new ConfigError('invalid runner configuration: object storage settings are required');
  return { replId: e.REPL_ID, socket: e.BROKER_SOCKET, s3, logLevel: e.LOG_LEVEL };
}

/** `runner pull`: the workspace, its state directory and object storage. */
export function loadPullConfig(env: NodeJS.ProcessEnv = process.env): WorkspaceConfig & { s3: S3Settings } {
  const { e, s3 } = parseEnv(WorkspaceEnv, env, true);
  if (!s3) throw new ConfigError('invalid runner configuration: object storage settings are required');
  return { ...workspaceConfig(e, s3), s3 };
}

export function loadRunnerConfig(env: NodeJS.ProcessEnv = process.env): RunnerConfig {
  const sync = env.RUNNER_SYNC !== 'off';
  const { e, s3 } = parseEnv(RunnerEnv, env, sync);
  return {
    ...workspaceConfig(e, s3),
    keysFile: e.RUNNER_KEYS_FILE,
    host: e.HOST,
    port: e.PORT,
    appPort: e.APP_PORT,
    listenFd: e.LISTEN_FD ?? null,
    appListenFd: e.APP_LISTEN_FD ?? null,
    allowedOrigins: e.ALLOWED_ORIGINS,
    maxFileBytes: e.MAX_FILE_BYTES,
    terminalGraceMs: e.TERMINAL_GRACE_MS,
    flowHighWatermark: e.FLOW_HIGH_WATERMARK,
    flowLowWatermark: e.FLOW_LOW_WATERMARK,
    watchIgnore: e.WATCH_IGNORE,
    shell: e.RUNNER_SHELL,
    shutdownTimeoutMs: Math.round(e.SHUTDOWN_TIMEOUT * 1000),
    processMemoryLimitBytes: e.PROCESS_MEMORY_LIMIT_MB > 0 ? e.PROCESS_MEMORY_LIMIT_MB * MiB : null,
    memoryEventsFile: e.MEMORY_EVENTS_FILE ?? null,
    replMemoryLimitBytes: e.REPL_MEMORY_LIMIT_MB > 0 ? e.REPL_MEMORY_LIMIT_MB * MiB : null,
    processBackoffMs: e.PROCESS_BACKOFF_MS,
    runsConcurrency: e.RUNS_CONCURRENCY,
    runTimeoutSeconds: e.RUN_TIMEOUT,
    appKeepAliveMs: e.APP_KEEPALIVE * 1000,
  };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Every setting of the runner's commands, for docs/configuration.md and `runner --help`. */
export const RUNNER_SETTINGS: SettingGroup[] = [
  {
    title: 'Runner: `runner serve` (and `runner pull`, which reads the first seven)',
    intro: 'The runner of one repl: its terminals, files, processes and runs, over Socket.io and HTTP on PORT.',
    schema: RunnerEnv,
  },
  {
    title: 'Runner: `runner broker`',
    intro: "A repl pod's storage broker: it alone holds the storage credentials, and opens this repl's objects only.",
    schema: BrokerEnv,
  },
];
