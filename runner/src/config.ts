import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { FLOW_HIGH_WATERMARK_CHARS, FLOW_LOW_WATERMARK_CHARS } from './tuning.js';

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

/** The runner's environment (design.md, "Configuration"), validated once at start. */
const RunnerEnv = z
  .object({
    REPL_ID: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'REPL_ID must be a DNS label'),
    RUNNER_TOKEN_SECRET: z.string().min(16, 'RUNNER_TOKEN_SECRET must be at least 16 characters'),
    WORKSPACE_DIR: z.string().default('/workspace'),
    STATE_DIR: z.string().optional(),
    HOST: z.string().default('0.0.0.0'),
    PORT: int(3001),
    APP_PORT: int(3000),
    ALLOWED_ORIGINS: list('http://localhost:8080'),
    MAX_FILE_BYTES: int(10 * MiB),
    TERMINAL_GRACE_MS: int(10 * 60 * 1000),
    FLOW_HIGH_WATERMARK: int(FLOW_HIGH_WATERMARK_CHARS),
    FLOW_LOW_WATERMARK: int(FLOW_LOW_WATERMARK_CHARS),
    WATCH_IGNORE: list('node_modules,.git'),
    RUNNER_SHELL: z.string().default('/bin/bash'),
    RUNNER_UID: int(1000),
    RUNNER_GID: int(1000),
    RUNNER_ALLOW_ROOT: z.enum(['0', '1']).default('0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((e) => e.FLOW_LOW_WATERMARK < e.FLOW_HIGH_WATERMARK, {
    message: 'FLOW_LOW_WATERMARK must be below FLOW_HIGH_WATERMARK',
  });

export interface RunnerConfig {
  replId: string;
  tokenSecret: string;
  workspaceDir: string;
  /** Runner state kept outside the workspace (never synced, never visible in the tree). */
  stateDir: string;
  host: string;
  port: number;
  appPort: number;
  allowedOrigins: string[];
  maxFileBytes: number;
  terminalGraceMs: number;
  flowHighWatermark: number;
  flowLowWatermark: number;
  watchIgnore: string[];
  shell: string;
  /** The user shells and file operations run as when the runner is started as root. */
  runAs: { uid: number; gid: number } | null;
  logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadRunnerConfig(env: NodeJS.ProcessEnv = process.env): RunnerConfig {
  const parsed = RunnerEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`);
    throw new ConfigError(`invalid runner configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const workspaceDir = path.resolve(e.WORKSPACE_DIR);
  const stateDir = path.resolve(e.STATE_DIR ?? path.join(os.tmpdir(), 'cubicle-runner', e.REPL_ID));
  if (isInside(stateDir, workspaceDir)) {
    throw new ConfigError('invalid runner configuration: STATE_DIR must be outside WORKSPACE_DIR');
  }
  const isRoot = process.getuid?.() === 0;
  return {
    replId: e.REPL_ID,
    tokenSecret: e.RUNNER_TOKEN_SECRET,
    workspaceDir,
    stateDir,
    host: e.HOST,
    port: e.PORT,
    appPort: e.APP_PORT,
    allowedOrigins: e.ALLOWED_ORIGINS,
    maxFileBytes: e.MAX_FILE_BYTES,
    terminalGraceMs: e.TERMINAL_GRACE_MS,
    flowHighWatermark: e.FLOW_HIGH_WATERMARK,
    flowLowWatermark: e.FLOW_LOW_WATERMARK,
    watchIgnore: e.WATCH_IGNORE,
    shell: e.RUNNER_SHELL,
    runAs: isRoot && e.RUNNER_ALLOW_ROOT !== '1' ? { uid: e.RUNNER_UID, gid: e.RUNNER_GID } : null,
    logLevel: e.LOG_LEVEL,
  };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
