import { z } from 'zod';
import { ShareLevel } from './accounts.js';

/**
 * Repl ids are made by the orchestrator, never taken from user input: a lowercase letter and
 * 11 lowercase letters or digits. No hyphen, so `<id>-ws.<domain>` can never be read as
 * another repl's preview host, and every id is a DNS label (Kubernetes object names).
 */
export const REPL_ID_PATTERN = /^[a-z][a-z0-9]{11}$/;
export const ReplId = z.string().regex(REPL_ID_PATTERN, 'not a repl id');
export type ReplId = z.infer<typeof ReplId>;

/** `stopped → starting → running → stopping → stopped`; `error` carries a reason. */
export const ReplState = z.enum(['stopped', 'starting', 'running', 'stopping', 'error']);
export type ReplState = z.infer<typeof ReplState>;

export const ReplError = z.object({
  reason: z.string(),
  /** The sandbox's last log lines, when it failed or crashed. */
  logs: z.array(z.string()),
});
export type ReplError = z.infer<typeof ReplError>;

export const ReplRecord = z.object({
  id: ReplId,
  name: z.string(),
  template: z.string(),
  state: ReplState,
  error: ReplError.nullable(),
  createdAt: z.string().describe('ISO 8601'),
  updatedAt: z.string().describe('ISO 8601'),
  /** Public URLs, present while the repl is running. */
  runnerUrl: z.string().nullable(),
  previewUrl: z.string().nullable(),
  /** The user who owns it (and, with admins, the only one who can see it). */
  owner: z.string(),
  share: ShareLevel,
  /** While it starts: what the start waits for, in words ("waiting for a node: …"); null otherwise. */
  progress: z.string().nullable(),
});
export type ReplRecord = z.infer<typeof ReplRecord>;

export const ReplName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\p{Cc}]+$/u, 'no control characters');

export const ImportId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'import ids are [A-Za-z0-9_-]{8,64}');

/** How far an import is: git's own phase ("Receiving objects") and percentage, then the upload. */
export const ImportProgress = z.object({
  phase: z.string(),
  percent: z.number().min(0).max(100).nullable(),
  done: z.boolean(),
});
export type ImportProgress = z.infer<typeof ImportProgress>;

/** A public repository to import: http(s) or git protocol only (no file:, no ssh: the orchestrator clones it). */
export const RepositoryUrl = z
  .string()
  .max(2048)
  .refine((u) => /^(https?|git):\/\/[^\s/]+\/\S*$/i.test(u), 'an http(s):// or git:// repository address');

export const CreateReplRequest = z
  .strictObject({
    template: z.string().min(1).max(64).optional(),
    name: ReplName.optional(),
    /** Clone this repository as the repl's files (its history included) instead of a template's. */
    repository: RepositoryUrl.optional(),
    /** Chosen by the client to follow an import's progress (`GET /api/imports/:importId`) while it waits. */
    importId: ImportId.optional(),
  })
  .refine(
    (r) => (r.template === undefined) !== (r.repository === undefined),
    'give a template or a repository, not both',
  );
/** The template name an imported repl records. */
export const IMPORTED_TEMPLATE = 'git';
export type CreateReplRequest = z.infer<typeof CreateReplRequest>;

/** At most this many skipped files are named in an import's answer (all are counted, and logged). */
export const IMPORT_SKIPPED_LISTED = 50;

/**
 * A file of an imported repository that is not in the repl: a symbolic link (never followed),
 * or a name storage cannot hold (not UTF-8, too long). Bytes of a name that are not UTF-8 are
 * written `\xNN`.
 */
export const ImportSkippedFile = z.object({ path: z.string(), reason: z.string() });
export type ImportSkippedFile = z.infer<typeof ImportSkippedFile>;

/** `POST /api/repls`: the new repl, and what an import left out (always empty for a template). */
export const CreateReplResponse = ReplRecord.extend({
  /** Files of the repository not imported, first IMPORT_SKIPPED_LISTED by path; `skippedCount` counts them all. */
  skipped: z.array(ImportSkippedFile).max(IMPORT_SKIPPED_LISTED),
  skippedCount: z.number().int().nonnegative(),
});
export type CreateReplResponse = z.infer<typeof CreateReplResponse>;

export const ReplList = z.object({ repls: z.array(ReplRecord) });
export type ReplList = z.infer<typeof ReplList>;

export const RunnerToken = z.object({
  token: z.string(),
  expiresAt: z.string().describe('ISO 8601'),
});
export type RunnerToken = z.infer<typeof RunnerToken>;

/** `POST /api/repls/:id/start`, answered once the runner is ready for clients. */
export const StartReplResponse = RunnerToken.extend({
  state: z.literal('running'),
  runnerUrl: z.string(),
  previewUrl: z.string(),
});
export type StartReplResponse = z.infer<typeof StartReplResponse>;
