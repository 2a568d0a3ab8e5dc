import { z } from 'zod';

/**
 * Code intelligence (docs/protocol.md, "Language servers"): one language server per language per
 * repl, in the runner, shared by every client of the repl. LSP's own JSON-RPC messages travel
 * inside `lsp:message` in both directions; the runner owns `initialize` and the server's life.
 */
export const LanguageServerId = z.enum(['typescript', 'python', 'css', 'html', 'json']);
export type LanguageServerId = z.infer<typeof LanguageServerId>;

/** Which server serves a file, and the LSP language id of the file, by its name. */
export function languageOfPath(path: string): { server: LanguageServerId; languageId: string } | null {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
  return LANGUAGE_BY_EXTENSION[ext] ?? null;
}

const LANGUAGE_BY_EXTENSION: Record<string, { server: LanguageServerId; languageId: string }> = {
  ts: { server: 'typescript', languageId: 'typescript' },
  mts: { server: 'typescript', languageId: 'typescript' },
  cts: { server: 'typescript', languageId: 'typescript' },
  tsx: { server: 'typescript', languageId: 'typescriptreact' },
  js: { server: 'typescript', languageId: 'javascript' },
  mjs: { server: 'typescript', languageId: 'javascript' },
  cjs: { server: 'typescript', languageId: 'javascript' },
  jsx: { server: 'typescript', languageId: 'javascriptreact' },
  py: { server: 'python', languageId: 'python' },
  pyi: { server: 'python', languageId: 'python' },
  css: { server: 'css', languageId: 'css' },
  scss: { server: 'css', languageId: 'scss' },
  less: { server: 'css', languageId: 'less' },
  html: { server: 'html', languageId: 'html' },
  htm: { server: 'html', languageId: 'html' },
  json: { server: 'json', languageId: 'json' },
};

/** `lsp:start`: where the workspace is; the server itself starts with the first client's `initialize`. */
export const LanguageStartRequest = z.object({ language: LanguageServerId });
export const LanguageStartResult = z.object({
  /** The workspace as a `file://` URI: documents are named under it. */
  rootUri: z.string(),
});
export type LanguageStartResult = z.infer<typeof LanguageStartResult>;

/** `lsp:restart`: a crashed (or any) server starts again, its open documents reopened. */
export const LanguageRestartRequest = z.object({ language: LanguageServerId });

/**
 * One JSON-RPC message, as text, to or from a language server. The runner parses what a client
 * sends (a bad message gets an error, never reaches the server); a document larger than the file
 * size limit is never sent to a server.
 */
export const LanguageMessage = z.object({
  language: LanguageServerId,
  // No length here: the socket's frame limit bounds it, and the runner checks each document's size.
  message: z.string(),
});
export type LanguageMessage = z.infer<typeof LanguageMessage>;

/** The JSON-RPC envelope the runner accepts from a client (LSP 3.17, base protocol). */
export const JsonRpcMessage = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.number().int(), z.string().max(64)]).optional(),
  method: z.string().min(1).max(200).optional(),
  params: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.unknown().optional(),
});
export type JsonRpcMessage = z.infer<typeof JsonRpcMessage>;

export type LanguageServerState = 'starting' | 'ready' | 'crashed' | 'stopped';

/** `lsp:status`, to every client: a server's state, and its last stderr lines once it crashed. */
export interface LanguageStatusPush {
  language: LanguageServerId;
  state: LanguageServerState;
  /** Why it is crashed or stopped, in words. */
  message: string | null;
  stderr: string[];
}
