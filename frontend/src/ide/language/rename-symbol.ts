import { LSPPlugin } from '@codemirror/lsp-client';
import { type Extension, StateEffect, StateField } from '@codemirror/state';
import { type EditorView, keymap, type Panel, showPanel } from '@codemirror/view';
import type { IdeWorkspace } from './ide-workspace';
import type { TextEdit } from './text-edits';

/** How a rename reaches a file that has no tab: the runner's file operations (sync and conflict rules hold). */
export interface FileEditor {
  editFile(path: string, edits: readonly TextEdit[]): Promise<void>;
}

interface RenameAt {
  from: number;
  current: string;
}

/** F2 in an editor: rename the symbol under the cursor in every file the server names. */
export function renameSymbol(files: FileEditor): Extension {
  const openPrompt = StateEffect.define<RenameAt | null>();
  const prompt = StateField.define<RenameAt | null>({
    create: () => null,
    update: (value, tr) => tr.effects.reduce((v, e) => (e.is(openPrompt) ? e.value : v), value),
    provide: (field) =>
      showPanel.from(field, (at) => (at ? (view) => renamePanel(view, at, files, () => openPrompt.of(null)) : null)),
  });
  const start = (view: EditorView) => {
    const word = view.state.wordAt(view.state.selection.main.head);
    if (!LSPPlugin.get(view) || !word) return false;
    view.dispatch({ effects: openPrompt.of({ from: word.from, current: view.state.sliceDoc(word.from, word.to) }) });
    return true;
  };
  return [prompt, keymap.of([{ key: 'F2', preventDefault: true, run: start }])];
}

function renamePanel(view: EditorView, at: RenameAt, files: FileEditor, closed: () => StateEffect<unknown>): Panel {
  const dom = document.createElement('form');
  dom.className = 'cm-rename-prompt';
  const label = document.createElement('label');
  label.textContent = `Rename ${at.current} to `;
  const input = document.createElement('input');
  input.value = at.current;
  input.setAttribute('aria-label', 'New name');
  label.appendChild(input);
  const status = document.createElement('span');
  status.setAttribute('role', 'status');
  dom.append(label, status);
  const close = () => {
    view.dispatch({ effects: closed() });
    view.focus();
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
  dom.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (!name || name === at.current) return close();
    status.textContent = 'Renaming…';
    renameSymbolAt(view, at.from, name, files).then(close, (err: unknown) => {
      status.textContent = `Rename failed: ${err instanceof Error ? err.message : String(err)}`;
    });
  });
  return {
    dom,
    top: true,
    mount: () => {
      input.focus();
      input.select();
    },
  };
}

interface WorkspaceEdit {
  changes?: Record<string, TextEdit[]>;
  documentChanges?: Array<{ textDocument?: { uri: string }; edits?: TextEdit[] }>;
}

/** Asks the server for the rename and applies it: open files in their editors, the others through `files`. */
async function renameSymbolAt(view: EditorView, pos: number, newName: string, files: FileEditor): Promise<void> {
  const plugin = LSPPlugin.get(view);
  if (!plugin) throw new Error('no language server for this file');
  plugin.client.sync();
  const edit = await plugin.client.request<unknown, WorkspaceEdit | null>('textDocument/rename', {
    textDocument: { uri: plugin.uri },
    position: plugin.toPosition(pos),
    newName,
  });
  if (!edit) throw new Error('nothing to rename here');
  const byUri = new Map<string, TextEdit[]>(Object.entries(edit.changes ?? {}));
  for (const change of edit.documentChanges ?? []) {
    if (change.textDocument && change.edits) byUri.set(change.textDocument.uri, change.edits);
  }
  const workspace = plugin.client.workspace as IdeWorkspace;
  for (const [uri, edits] of byUri) {
    const target = workspace.getFile(uri)?.getView();
    const targetPlugin = target && LSPPlugin.get(target);
    if (target && targetPlugin) {
      const doc = target.state.doc;
      target.dispatch({
        changes: edits.map((e) => ({
          from: targetPlugin.fromPosition(e.range.start, doc),
          to: targetPlugin.fromPosition(e.range.end, doc),
          insert: e.newText,
        })),
        userEvent: 'rename',
      });
      continue;
    }
    const path = workspace.pathOf(uri);
    if (path !== null) await files.editFile(path, edits);
  }
}
