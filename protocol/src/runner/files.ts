import { z } from 'zod';
import { WorkspacePath } from './paths.js';

export const FileType = z.enum(['file', 'dir', 'symlink']);
export type FileType = z.infer<typeof FileType>;

export const FileEntry = z.object({
  name: z.string(),
  path: WorkspacePath,
  type: FileType,
  size: z.number(),
  mtimeMs: z.number(),
});
export type FileEntry = z.infer<typeof FileEntry>;

export const FileEncoding = z.enum(['utf8', 'base64']);
export type FileEncoding = z.infer<typeof FileEncoding>;

/** Opaque content version: equal versions mean equal bytes. */
export const FileVersion = z.string().min(1).max(128);

export const FetchDirRequest = z.object({ path: WorkspacePath });
export const FetchDirResult = z.object({ entries: z.array(FileEntry) });

/** Every file of the workspace (for quick open), without .git, node_modules and what .gitignore ignores. */
export const ListFilesRequest = z.object({}).optional();
export const ListFilesResult = z.object({
  paths: z.array(WorkspacePath),
  /** More files exist than a listing carries (LIST_FILES_MAX). */
  truncated: z.boolean(),
});
/** A listing stops here: fuzzy matching stays instant, and a tree this large is mostly generated files. */
export const LIST_FILES_MAX = 20_000;

export const FetchContentRequest = z.object({ path: WorkspacePath });
export const FileContent = z.object({
  content: z.string(),
  encoding: FileEncoding,
  version: FileVersion,
});
export type FileContent = z.infer<typeof FileContent>;
/** Pushed as `file:content` when `fetchContent` came without an ack callback. */
export const FileContentPush = FileContent.extend({ path: WorkspacePath });
export type FileContentPush = z.infer<typeof FileContentPush>;

export const UpdateContentRequest = z.object({
  path: WorkspacePath,
  content: z.string(),
  encoding: FileEncoding.optional(),
  /** The version the client edited; a different version on disk answers ECONFLICT. */
  baseVersion: FileVersion.optional(),
});
export const VersionResult = z.object({ version: FileVersion });

export const CreateFileRequest = z.object({
  path: WorkspacePath,
  content: z.string().optional(),
  encoding: FileEncoding.optional(),
});
export const CreateDirRequest = z.object({ path: WorkspacePath });
export const RenameRequest = z.object({ from: WorkspacePath, to: WorkspacePath });
export const DeleteRequest = z.object({ path: WorkspacePath });
export const EmptyResult = z.object({});

export const FileChangeType = z.enum(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);
export type FileChangeType = z.infer<typeof FileChangeType>;
export const FileChange = z.object({ type: FileChangeType, path: WorkspacePath });
export type FileChange = z.infer<typeof FileChange>;
/** Batched tree changes made by anyone (the shell included), one push per short window. */
export const FileRefreshPush = z.object({ changes: z.array(FileChange) });
export type FileRefreshPush = z.infer<typeof FileRefreshPush>;
