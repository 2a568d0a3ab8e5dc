import { z } from 'zod';
import { WorkspacePath } from './paths.js';

/** One changed path as `git status` sees it: its index (staged) and work-tree letters. */
export const GitChange = z.object({
  path: WorkspacePath,
  /** Staged: M modified, A added, D deleted, R renamed, or ' ' (nothing staged). */
  index: z.string().length(1),
  /** Not staged: M modified, D deleted, ? untracked, or ' '. */
  worktree: z.string().length(1),
});
export type GitChange = z.infer<typeof GitChange>;

export const GitStatusRequest = z.object({}).optional();
export const GitStatus = z.object({
  /** False when the workspace is not a git repository (nothing else is then set). */
  repository: z.boolean(),
  branch: z.string().nullable(),
  /** Commits not on the upstream / upstream commits not here; null without an upstream. */
  ahead: z.number().int().nullable(),
  behind: z.number().int().nullable(),
  changes: z.array(GitChange),
});
export type GitStatus = z.infer<typeof GitStatus>;

export const GitPathsRequest = z.object({ paths: z.array(WorkspacePath).min(1).max(1000) });
export const GitDiffRequest = z.object({ path: WorkspacePath });
/** A file as committed (HEAD) and as it is now, for a diff view; null where it does not exist. */
export const GitDiff = z.object({ path: WorkspacePath, head: z.string().nullable(), current: z.string().nullable() });
export type GitDiff = z.infer<typeof GitDiff>;
export const GitCommitRequest = z.object({ message: z.string().trim().min(1).max(10_000) });
export const GitCommitResult = z.object({ commit: z.string() });
export const GitBranchesRequest = z.object({}).optional();
export const GitBranches = z.object({ current: z.string().nullable(), branches: z.array(z.string()) });
export type GitBranches = z.infer<typeof GitBranches>;
export const GitCheckoutRequest = z.object({
  branch: z
    .string()
    .min(1)
    .max(200)
    .regex(/^(?!-)[A-Za-z0-9._/-]+$/, 'branch names are letters, digits and . _ / -'),
  create: z.boolean().default(false),
});
export const GitRemoteRequest = z.object({}).optional();
/** What git printed for a push or pull (its own words are the useful ones). */
export const GitOutput = z.object({ output: z.string() });
