import { z } from 'zod';
import { ProcessName } from './cubicle-config.js';

/** The supervised process's life (docs/architecture.md, "Processes and runs"). */
export const ProcessState = z.enum(['stopped', 'starting', 'running', 'backoff', 'errored']);
export type ProcessState = z.infer<typeof ProcessState>;

/** `system` lines are the supervisor's own (started, exited with 1, restarting in 2 s). */
export const LogStream = z.enum(['stdout', 'stderr', 'system']);
export type LogStream = z.infer<typeof LogStream>;

/** One line of output; `seq` increases by one per line of the same process or run. */
export const LogLine = z.object({
  seq: z.number().int().nonnegative(),
  at: z.number().describe('epoch ms'),
  stream: LogStream,
  text: z.string(),
});
export type LogLine = z.infer<typeof LogLine>;

export const ProcessInfo = z.object({
  name: ProcessName,
  command: z.string(),
  state: ProcessState,
  pid: z.number().int().nullable(),
  /** Restarts after a crash or over the memory limit since the last start by a person. */
  restarts: z.number().int().nonnegative(),
  startedAt: z.number().nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** Of the whole process session (children included), sampled every few seconds while it runs. */
  cpuPercent: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  memoryLimitBytes: z.number().nullable(),
  /** Why it is `errored` or was last restarted, in words. */
  message: z.string().nullable(),
});
export type ProcessInfo = z.infer<typeof ProcessInfo>;

export const ProcessConfigStatus = z.object({
  /** Where the processes came from: the file, a guess from the workspace's files, or nothing. */
  source: z.enum(['cubicle.json', 'guess', 'none']),
  /** A cubicle.json that could not be used, in words (the last good processes stay). */
  problem: z.string().nullable(),
  tasks: z.record(ProcessName, z.string()),
});
export type ProcessConfigStatus = z.infer<typeof ProcessConfigStatus>;

export const ProcessNameRequest = z.object({ name: ProcessName });
export const ProcessListRequest = z.object({}).optional();
export const ProcessListResult = z.object({ processes: z.array(ProcessInfo), config: ProcessConfigStatus });
export type ProcessListResult = z.infer<typeof ProcessListResult>;
export const ProcessResult = z.object({ process: ProcessInfo });
export const ProcessLogsRequest = z.object({
  name: ProcessName,
  /** The newest `limit` lines (default 500). */
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});
export const ProcessLogsResult = z.object({ lines: z.array(LogLine) });
export type ProcessLogsResult = z.infer<typeof ProcessLogsResult>;

export const ProcessStatusPush = ProcessInfo;
export type ProcessStatusPush = ProcessInfo;
export const ProcessLogPush = z.object({ name: ProcessName, lines: z.array(LogLine) });
export type ProcessLogPush = z.infer<typeof ProcessLogPush>;
