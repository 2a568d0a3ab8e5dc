import { z } from 'zod';
import type { WorkspacePath } from './paths.js';

/** Glob lists as people type them in VS Code's search: "src/**, *.ts". */
const Globs = z.array(z.string().min(1).max(256)).max(32).optional();

export const SearchStartRequest = z.object({
  /** Chosen by the client; results and cancellation name it. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  query: z.string().min(1).max(1000),
  regex: z.boolean().default(false),
  caseSensitive: z.boolean().default(false),
  wholeWord: z.boolean().default(false),
  /** Only files matching one of these globs (relative to the workspace). */
  include: Globs,
  /** Never files matching these globs (.git and node_modules are always left out, as is what .gitignore ignores). */
  exclude: Globs,
});
export type SearchStartRequest = z.infer<typeof SearchStartRequest>;

/** Answered when the search has ended: its totals (the matches came as `search:result` pushes). */
export const SearchSummary = z.object({
  id: z.string(),
  files: z.number().int(),
  matches: z.number().int(),
  /** The search stopped at SEARCH_MAX_MATCHES; refine it to see the rest. */
  truncated: z.boolean(),
  /** Canceled by the client (or by a newer search from it). */
  canceled: z.boolean(),
});
export type SearchSummary = z.infer<typeof SearchSummary>;

export const SearchCancelRequest = z.object({ id: z.string().max(64) });

export interface SearchMatch {
  /** 1-based line number. */
  line: number;
  /** The line (cut around the match when long), and where the match is in it (UTF-16 offsets). */
  preview: string;
  start: number;
  end: number;
  /** The match's 0-based UTF-16 column in the real line (for putting the cursor on it). */
  column: number;
}

/** One file's matches, pushed to the searching socket as they are found. */
export interface SearchResultPush {
  id: string;
  path: z.infer<typeof WorkspacePath>;
  matches: SearchMatch[];
}

/** A search ends once this many matches are found: enough to act on, small enough to show. */
export const SEARCH_MAX_MATCHES = 2000;
