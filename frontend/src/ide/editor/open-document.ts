import { Compartment, EditorState, Transaction } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { basicSetup, EditorView } from 'codemirror';
import { describeError } from '../../api/error-messages';
import { formatBytes } from '../../app/format';
import { type RunnerConnection, RunnerRequestError } from '../../runner/runner-connection';
import { AUTOSAVE_DELAY_MS, EDITOR_MAX_FILE_BYTES } from '../../tuning';
import { baseName } from '../files/workspace-path';
import type { LanguageClients } from '../language/language-clients';
import { ideSettings } from '../settings/ide-settings';
import {
  baseVersionForSave,
  canSave,
  type DocumentEvent,
  type DocumentState,
  isUnsaved,
  openedDocument,
  reduceDocument,
} from './document-state';
import { editorSettings } from './editor-settings';
import { languageFor } from './language';
import { sizeLimit, utf8Length } from './size-limit';
import type { UnsavedBackups } from './unsaved-backups';

/** A place in a file to show: a search hit (1-based line, 0-based UTF-16 column). */
export interface TextLocation {
  line: number;
  column: number;
  length: number;
}

/** What a tab shows: the editor, or a message instead of a frozen tab (binary, too large, failed). */
export type TabView = { kind: 'loading' } | { kind: 'text' } | { kind: 'message'; message: string };

const tooLarge = (bytes: number) =>
  `This file is ${formatBytes(bytes)}: too large to edit here (the editor's limit is ${formatBytes(EDITOR_MAX_FILE_BYTES)}).`;

/**
 * One open file: its CodeMirror view (kept while the tab is open, so undo history survives tab
 * switches), its save state, autosave, and its reaction to changes made on disk by others.
 * Unsaved text is never dropped silently: closing saves first, and a page going away leaves a
 * backup that the next load restores.
 */
export class OpenDocument {
  view: TabView = { kind: 'loading' };
  /** Bumped on every change the tab shows (for React's useSyncExternalStore). */
  revision = 0;
  doc: DocumentState | null = null;
  /** A passing message about the last edit (a paste refused for size); cleared by the next edit. */
  notice: string | null = null;
  private editor: EditorView | null = null;
  private readonly language = new Compartment();
  /** The language server's part (completion, diagnostics, navigation), once one serves this file. */
  private readonly languageServer = new Compartment();
  private editorShown: { promise: Promise<EditorView | null>; resolve(view: EditorView | null): void };
  private readonly settings = new Compartment();
  private readonly offSettings: () => void;
  private autosaveTimer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> | null = null;
  private pendingReveal: TextLocation | null = null;
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  constructor(
    private readonly connection: RunnerConnection,
    public path: string,
    private readonly backups: UnsavedBackups,
    private readonly languages: LanguageClients | null = null,
  ) {
    let resolve: (view: EditorView | null) => void = () => {};
    const promise = new Promise<EditorView | null>((r) => {
      resolve = r;
    });
    this.editorShown = { promise, resolve };
    this.offSettings = ideSettings.subscribe(() =>
      this.editor?.dispatch({ effects: this.settings.reconfigure(editorSettings(ideSettings.current)) }),
    );
  }

  /** Loads the file; `size` (from the tree) lets a huge file be refused before it is read. */
  async load(size?: number): Promise<void> {
    if (size !== undefined && size > EDITOR_MAX_FILE_BYTES)
      return this.show({ kind: 'message', message: tooLarge(size) });
    const backup = this.backups.get(this.path);
    try {
      const file = await this.connection.request('fetchContent', { path: this.path });
      if (this.disposed) return;
      if (file.encoding === 'base64') {
        const padding = file.content.endsWith('==') ? 2 : file.content.endsWith('=') ? 1 : 0;
        const bytes = (file.content.length / 4) * 3 - padding;
        return this.show({ kind: 'message', message: `Binary file (${formatBytes(bytes)}): not shown in the editor.` });
      }
      const bytes = utf8Length(file.content);
      if (bytes > EDITOR_MAX_FILE_BYTES && !backup) return this.show({ kind: 'message', message: tooLarge(bytes) });
      if (!backup || backup.text === file.content) {
        this.backups.remove(this.path);
        this.open(file.content, openedDocument(file.version));
      } else if (backup.baseVersion === file.version) {
        // Edited from what is on disk now: the edit simply had not landed. Save it (as autosave would).
        this.open(backup.text, { ...openedDocument(file.version), status: 'dirty' });
        if (ideSettings.current.autosave) void this.save();
      } else {
        // The disk moved on since: both texts exist, the person chooses.
        const base = openedDocument(backup.baseVersion ?? file.version);
        this.open(backup.text, { ...base, status: 'conflict', diskVersion: file.version });
      }
    } catch (err) {
      if (this.disposed) return;
      if (backup && err instanceof RunnerRequestError && err.code === 'ENOENT') {
        // Deleted while its unsaved text waited in the browser: show it, ready to be saved again.
        return this.open(backup.text, { ...openedDocument(backup.baseVersion ?? ''), status: 'deleted' });
      }
      const tooBig = err instanceof RunnerRequestError && err.code === 'E2BIG';
      this.show({ kind: 'message', message: tooBig ? 'This file is too large to edit here.' : describeError(err) });
    }
  }

  private open(text: string, state: DocumentState): void {
    this.editor = new EditorView({ state: this.editorState(text) });
    this.doc = state;
    this.show({ kind: 'text' });
    if (this.pendingReveal) this.reveal(this.pendingReveal);
    void languageFor(baseName(this.path)).then((language) => {
      if (language && this.editor) this.editor.dispatch({ effects: this.language.reconfigure(language) });
    });
    this.editorShown.resolve(this.editor);
    this.connectLanguageServer();
  }

  /** Connects the editor to the language server of its file's language (again after a move). */
  connectLanguageServer(): void {
    const path = this.path;
    void this.languages?.extensionFor(path).then((extension) => {
      if (this.editor && this.path === path) {
        this.editor.dispatch({ effects: this.languageServer.reconfigure(extension ?? []) });
      }
    });
  }

  /** The tab's editor once the file is loaded (null when the tab shows a message instead). */
  whenEditor(): Promise<EditorView | null> {
    return this.editorShown.promise;
  }

  /** Puts the editor into its tab's element (the view is created once, moved on re-mount). */
  mount(parent: HTMLElement): void {
    if (this.editor && this.editor.dom.parentElement !== parent) parent.appendChild(this.editor.dom);
  }

  focus(): void {
    this.editor?.focus();
  }

  /** Selects `at` and scrolls it to the middle of the view (now, or once the file has loaded). */
  reveal(at: TextLocation): void {
    this.pendingReveal = this.editor ? null : at;
    if (!this.editor) return;
    const doc = this.editor.state.doc;
    const line = doc.line(Math.min(Math.max(at.line, 1), doc.lines));
    const from = Math.min(line.from + at.column, line.to);
    const to = Math.min(from + at.length, line.to);
    this.editor.dispatch({
      selection: { anchor: from, head: to },
      effects: EditorView.scrollIntoView(from, { y: 'center' }),
    });
    this.editor.focus();
  }

  get text(): string | null {
    return this.editor?.state.doc.toString() ?? null;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The tab holds text that is not on disk yet. */
  get unsaved(): boolean {
    return this.doc !== null && isUnsaved(this.doc);
  }

  /** Saves now if there is anything to save (Ctrl/Cmd+S, autosave, "keep mine", "save it here again"). */
  save(): Promise<void> {
    if (!this.doc || !this.editor || !canSave(this.doc)) return this.saving ?? Promise.resolve();
    const saving = this.saveNow(this.doc, this.editor.state.doc.toString()).finally(() => {
      if (this.saving === saving) this.saving = null;
    });
    this.saving = saving;
    return saving;
  }

  private async saveNow(state: DocumentState, content: string): Promise<void> {
    clearTimeout(this.autosaveTimer);
    const recreate = state.status === 'deleted';
    const baseVersion = baseVersionForSave(state);
    this.apply({ type: 'saveStarted' });
    try {
      const { version } = recreate
        ? await this.connection.request('createFile', { path: this.path, content })
        : await this.connection.request('updateContent', { path: this.path, content, baseVersion });
      this.apply({ type: 'saved', version });
      if (this.disposed) this.backups.remove(this.path); // the last save of a closed tab landed
    } catch (err) {
      const code = err instanceof RunnerRequestError ? err.code : null;
      if (code === 'ECONFLICT' && err instanceof RunnerRequestError) {
        this.apply({ type: 'saveConflicted', diskVersion: err.version ?? '' });
      } else if (code === 'ENOENT' && !recreate) {
        this.apply({ type: 'saveFoundDeleted' });
      } else if (code === 'EEXIST' && recreate) {
        this.apply({ type: 'saveFailed', message: `${this.path} exists again` });
        await this.diskChanged(); // created by someone else meanwhile: a conflict to resolve
      } else {
        this.apply({ type: 'saveFailed', message: describeError(err) });
      }
    }
    if (this.doc && !this.unsaved) this.backups.remove(this.path);
    if (this.doc?.status === 'dirty' && !this.doc.error) this.scheduleAutosave();
  }

  /** Saves whatever is unsaved and waits for it; true when the tab's text is then on disk. */
  async flush(): Promise<boolean> {
    if (!ideSettings.current.autosave) return !this.unsaved; // saving is the person's call: ask
    for (let attempt = 0; attempt < 3 && this.sendable(); attempt++) {
      const before = this.doc;
      await this.save();
      if (this.doc === before || this.doc?.error) break; // nothing could be sent, or it failed
    }
    return !this.unsaved;
  }

  /** Unsaved text that a save may simply send: not a choice only the person can make (two texts, a deleted file). */
  private sendable(): boolean {
    const status = this.doc?.status;
    return status === 'dirty' || status === 'saving';
  }

  /**
   * The page is going away: keep the unsaved text in the browser and send one last save. False
   * when the text could not be kept anywhere (the page should ask before it leaves).
   */
  preserve(): boolean {
    if (!this.doc || !this.editor || !this.unsaved) return true;
    const { status } = this.doc;
    // In a conflict the text stays based on what it was edited from, so it stays a choice.
    const baseVersion =
      status === 'deleted' ? null : status === 'conflict' ? this.doc.version : baseVersionForSave(this.doc);
    const kept = this.backups.put(this.path, { baseVersion, text: this.editor.state.doc.toString() });
    if (this.doc.status === 'dirty' && !this.saving && ideSettings.current.autosave) void this.save();
    return kept;
  }

  /** The file changed on disk (a `file:refresh`, or a reconnect): reload or flag a conflict. */
  async diskChanged(): Promise<void> {
    if (!this.doc) return;
    let version: string;
    let content: string;
    try {
      ({ version, content } = await this.connection.request('fetchContent', { path: this.path }));
    } catch (err) {
      if (err instanceof RunnerRequestError && err.code === 'ENOENT') this.diskDeleted();
      return; // unreadable: the tree's own events say so
    }
    const effect = this.apply({ type: 'diskChanged', version });
    if (effect !== 'reload') return;
    const bytes = utf8Length(content);
    if (bytes > EDITOR_MAX_FILE_BYTES) return this.closeEditor(tooLarge(bytes));
    this.replaceText(content, version);
  }

  /** The file was deleted on disk; returns 'close' when the tab holds nothing unsaved. */
  diskDeleted(): 'close' | 'keep' {
    return this.apply({ type: 'diskDeleted' }) === 'close' ? 'close' : 'keep';
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

  /** Closes the tab for good, dropping any unsaved text (the person chose to). */
  discard(): void {
    this.backups.remove(this.path);
    this.dispose();
  }

  /** Ends the tab's view; unsaved text is kept as a backup and saved (a closed IDE, a reload). */
  dispose(): void {
    if (this.disposed) return;
    this.preserve();
    this.offSettings();
    this.disposed = true;
    clearTimeout(this.autosaveTimer);
    this.editor?.destroy();
    this.editor = null;
    this.editorShown.resolve(null);
    this.listeners.clear();
  }

  private closeEditor(message: string): void {
    this.editorShown.resolve(null);
    this.editor?.destroy();
    this.editor = null;
    this.doc = null;
    this.show({ kind: 'message', message });
  }

  private editorState(content: string): EditorState {
    return EditorState.create({
      doc: content,
      extensions: [
        this.settings.of(editorSettings(ideSettings.current)), // first: Vim/Emacs keys before the standard ones
        basicSetup,
        this.language.of([]),
        this.languageServer.of([]),
        sizeLimit(EDITOR_MAX_FILE_BYTES, (bytes) => {
          this.notice = `Not changed: the file would be ${formatBytes(bytes)}, over the editor's limit of ${formatBytes(EDITOR_MAX_FILE_BYTES)}.`;
          this.notify();
        }),
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
            if (this.notice) {
              this.notice = null;
              this.notify();
            }
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
    if (!ideSettings.current.autosave) return;
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
    if (view.kind === 'message') this.editorShown.resolve(null);
    this.notify();
  }

  private notify(): void {
    this.revision += 1;
    for (const l of this.listeners) l();
  }
}
