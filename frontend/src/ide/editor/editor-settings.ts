import { indentUnit } from '@codemirror/language';
import { EditorState, type Extension } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { EditorView } from '@codemirror/view';
import { emacs } from '@replit/codemirror-emacs';
import { vim } from '@replit/codemirror-vim';
import type { IdeSettings } from '../settings/ide-settings';

/**
 * The editor's part of the person's settings as CodeMirror extensions, for a compartment that
 * is reconfigured when they change. The keymaps come first: Vim and Emacs bindings must see
 * keys before the standard ones do.
 */
export function editorSettings(s: IdeSettings): Extension {
  return [
    s.keymap === 'vim' ? vim() : s.keymap === 'emacs' ? emacs() : [],
    s.theme === 'dark' ? oneDark : [],
    EditorView.theme({ '&': { fontSize: `${s.fontSize}px` } }),
    EditorState.tabSize.of(s.tabSize),
    indentUnit.of(' '.repeat(s.tabSize)),
    s.wordWrap ? EditorView.lineWrapping : [],
  ];
}
