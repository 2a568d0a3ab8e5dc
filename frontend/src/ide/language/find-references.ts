import { LSPPlugin } from '@codemirror/lsp-client';
import type { EditorView } from '@codemirror/view';
import type { IdeWorkspace } from './ide-workspace';

/** One place that refers to a symbol, as the References list shows it (1-based line, 0-based column). */
export interface Reference {
  path: string;
  line: number;
  column: number;
  length: number;
  /** The line's text, trimmed. */
  preview: string;
}

export interface ReferenceList {
  symbol: string;
  references: Reference[];
}

interface Location {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

/**
 * Every reference to the symbol at the cursor, in open files and closed ones alike (each file's
 * line is read from its tab, or through the runner): what Shift+F12 lists in the References tab.
 */
export async function findReferencesAt(
  view: EditorView,
  read: (path: string) => Promise<string | null>,
): Promise<ReferenceList | null> {
  const plugin = LSPPlugin.get(view);
  const word = view.state.wordAt(view.state.selection.main.head);
  if (!plugin || !word) return null;
  plugin.client.sync();
  const found = await plugin.client.request<unknown, Location[] | null>('textDocument/references', {
    textDocument: { uri: plugin.uri },
    position: plugin.toPosition(word.from),
    context: { includeDeclaration: true },
  });
  const workspace = plugin.client.workspace as IdeWorkspace;
  const texts = new Map<string, Promise<string | null>>();
  const textOf = (uri: string, path: string) => {
    let text = texts.get(uri);
    if (!text) {
      const open = workspace.getFile(uri)?.getView();
      text = open ? Promise.resolve(open.state.doc.toString()) : read(path);
      texts.set(uri, text);
    }
    return text;
  };
  const references = await Promise.all(
    (found ?? []).map(async ({ uri, range }) => {
      const path = workspace.pathOf(uri);
      if (path === null) return null;
      const line = (await textOf(uri, path))?.split('\n')[range.start.line] ?? '';
      const sameLine = range.end.line === range.start.line;
      return {
        path,
        line: range.start.line + 1,
        column: range.start.character,
        length: sameLine ? range.end.character - range.start.character : 0,
        preview: line.trim(),
      };
    }),
  );
  return {
    symbol: view.state.sliceDoc(word.from, word.to),
    references: references
      .filter((r): r is Reference => r !== null)
      .sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column),
  };
}
