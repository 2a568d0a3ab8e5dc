import { Compartment, EditorState, Transaction } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { keymap } from '@codemirror/view';
import { basicSetup, EditorView } from 'codemirror';
import { describeError } from '../../api/error-messages';
import { formatBytes } from '../../app/format';
import { type RunnerConnection, RunnerRequestError } from '../../runner/runner-connection';
import { AUTOSAVE_DELAY_MS, EDITOR_MAX_FILE_BYTES } from '../../tuning';
import { baseName } from '../files/workspace-path';
import {
  baseVersionForSave,
  canSave,
  type DocumentEvent,
  type DocumentState,
  openedDocument,
  reduceDocument,
} from './document-state';
import { languageFor } from './language';

/** What a tab shows: the editor, or a message instead of a frozen tab (binary, too large, failed). */
export type TabView = { kind: 'loading' } | { kind: 'text' } | { kind: 'message'; message: string };

/**
 * One open file: its CodeMirror view (kept while the tab is open, so undo history survives tab
 * switches), its save state, autosave, and its reaction to changes made on disk by others.
 */
export class OpenDocument {
  view: TabView = { kind: 'loading' };
  /** Bumped on every change the tab shows (for React's useSyncExternalStore). */
  revision = 0;
  doc: DocumentState | null = null;
  private editor: EditorView | null = null;
  private readonly language = new Compartment();
  private autosaveTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  constructor(
    private readonly connection: RunnerConnection,
    public path: string,
  ) {}

  /** Loads the file; `size` (from the tree) lets a huge file be refused before it is read. */
  async load(size?: number): Promise<void> {
    if (size !== undefined && size > EDITOR_MAX_FILE_BYTES) {
      return this.show({ kind: 'message', message: `This file is ${formatBytes(size)}: too large to edit here.` });
    }
    try {
      const file = await this.connection.request('fetchContent', { path: this.path });
      if (this.disposed) return;
      if (file.encoding === 'base64') {
        const padding = file.content.endsWith('==') ? 2 : file.content.endsWith('=') ? 1 : 0;
        const bytes = (file.content.length / 4) * 3 - padding;
        return this.show({ kind: 'message', message: `Binary file (${formatBytes(bytes)}): not shown in the editor.` });
      }
      this.editor = new EditorView({ state: this.editorState(file.content) });
      this.doc = openedDocument(file.version);
      this.show({ kind: 'text' });
      const language = await languageFor(baseName(this.path));
      if (language && this.editor) this.editor.dispatch({ effects: this.language.reconfigure(language) });
    } catch (err) {
      const tooBig = err instanceof RunnerRequestError && err.code === 'E2BIG';
      this.show({ kind: 'message', message: tooBig ? 'This file is too large to edit here.' : describeError(err) });
    }
  }

  /** Puts the editor into its tab's element (the view is created once, moved on re-mount). */
  mount(parent: HTMLElement): void {
    if (this.editor && this.editor.dom.parentElement !== parent) parent.appendChild(this.editor.dom);
  }

  focus(): void {
    this.editor?.focus();
  }

  get text(): string | null {
    return this.editor?.state.doc.toString() ?? null;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Saves now if there is anything to save (Ctrl/Cmd+S, autosave, "keep mine"). */
  async save(): Promise<void> {
    if (!this.doc || !this.editor || !canSave(this.doc)) return;
    clearTimeout(this.autosaveTimer);
    const baseVersion = baseVersionForSave(this.doc);
    const content = this.editor.state.doc.toString();
    this.apply({ type: 'saveStarted' });
    try {
      const { version } = await this.connection.request('updateContent', { path: this.path, content, baseVersion });
      this.apply({ type: 'saved', version });
    } catch (err) {
      if (err instanceof RunnerRequestError && err.code === 'ECONFLICT') {
        this.apply({ type: 'saveConflicted', diskVersion: err.version ?? '' });
      } else {
        this.apply({ type: 'saveFailed', message: describeError(err) });
      }
    }
    if (this.doc?.status === 'dirty' && !this.doc.error) this.scheduleAutosave();
  }

  /** The file changed on disk (a `file:refresh`, or a reconnect): reload or flag a conflict. */
  async diskChanged(): Promise<void> {
    if (!this.doc) return;
    let version: string;
    let content: string;
    try {
      ({ version, content } = await this.connection.request('fetchContent', { path: this.path }));
    } catch {
      return; // deleted or unreadable: the tree's own events say so
    }
    if (this.apply({ type: 'diskChanged', version }) === 'reload') this.replaceText(content, version);
  }

  /** Conflict choice: overwrite the disk with this tab's text. */
  keepMine(): void {
    if (this.apply({ type: 'overwriteChosen' }) === 'save') void this.save();
  }

  /** Conflict choice: take the disk's text, dropping this tab's edits. */
  async takeDisk(): Promise<void> {
    try {
      const { version, content } = await this.connection.request('fetchContent', { path: this.path });
      this.replaceText(content, version);
    } catch (err) {
      this.apply({ type: 'saveFailed', message: describeError(err) });
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.autosaveTimer);
    this.editor?.destroy();
    this.editor = null;
    this.listeners.clear();
  }

  private editorState(content: string): EditorState {
    return EditorState.create({
      doc: content,
      extensions: [
        basicSetup,
        oneDark,
        this.language.of([]),
        keymap.of([
          {
            key: 'Mod-s',
            preventDefault: true,
            run: () => {
              void this.save();
              return true;
            },
          },
        ]),
        EditorView.updateListener.of((update) => {
          const byPerson = update.transactions.some((t) => t.docChanged && !t.annotation(Transaction.remote));
          if (byPerson) {
            this.apply({ type: 'edited' });
            this.scheduleAutosave();
          }
        }),
      ],
    });
  }

  private replaceText(content: string, version: string): void {
    if (!this.editor) return;
    const doc = this.editor.state.doc;
    if (doc.toString() !== content) {
      this.editor.dispatch({
        changes: { from: 0, to: doc.length, insert: content },
        annotations: Transaction.remote.of(true),
      });
    }
    this.apply({ type: 'reloaded', version });
  }

  private scheduleAutosave(): void {
    clearTimeout(this.autosaveTimer);
    this.autosaveTimer = setTimeout(() => void this.save(), AUTOSAVE_DELAY_MS);
  }

  private apply(event: DocumentEvent) {
    if (!this.doc || this.disposed) return 'none';
    const before = this.doc;
    const { state, effect } = reduceDocument(this.doc, event);
    this.doc = state;
    if (state.status !== before.status || state.error !== before.error) this.notify();
    return effect;
  }

  private show(view: TabView): void {
    this.view = view;
    this.notify();
  }

  private notify(): void {
    this.revision += 1;
    for (const l of this.listeners) l();
  }
}
