import { useModalDialog } from '../../app/use-modal-dialog';
import { useRevision } from '../../app/use-revision';
import { FONT_SIZES, type IdeSettings, ideSettings, TAB_SIZES } from './ide-settings';

/** The settings, applied as they change (no Save button to forget); Escape or Done closes. */
export function SettingsDialog({ onClose }: { onClose(): void }) {
  useRevision(ideSettings);
  const s = ideSettings.current;
  const set = (change: Partial<IdeSettings>) => ideSettings.update(change);
  const ref = useModalDialog();
  return (
    <dialog ref={ref} className="confirm-dialog settings-dialog" onCancel={onClose} aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <div className="settings-grid">
        <label htmlFor="setting-theme">Theme</label>
        <select
          id="setting-theme"
          value={s.theme}
          onChange={(e) => set({ theme: e.target.value as IdeSettings['theme'] })}
        >
          <option value="dark">Dark</option>
          <option value="light">Light</option>
        </select>
        <label htmlFor="setting-font-size">Font size</label>
        <input
          id="setting-font-size"
          type="number"
          min={FONT_SIZES.min}
          max={FONT_SIZES.max}
          value={s.fontSize}
          onChange={(e) => set({ fontSize: Number(e.target.value) })}
        />
        <label htmlFor="setting-tab-size">Tab size</label>
        <select id="setting-tab-size" value={s.tabSize} onChange={(e) => set({ tabSize: Number(e.target.value) })}>
          {TAB_SIZES.map((n) => (
            <option key={n} value={n}>
              {n} spaces
            </option>
          ))}
        </select>
        <label htmlFor="setting-keymap">Keys</label>
        <select
          id="setting-keymap"
          value={s.keymap}
          onChange={(e) => set({ keymap: e.target.value as IdeSettings['keymap'] })}
        >
          <option value="standard">Standard</option>
          <option value="vim">Vim</option>
          <option value="emacs">Emacs</option>
        </select>
        <label htmlFor="setting-word-wrap">Word wrap</label>
        <input
          id="setting-word-wrap"
          type="checkbox"
          checked={s.wordWrap}
          onChange={(e) => set({ wordWrap: e.target.checked })}
        />
        <label htmlFor="setting-autosave">Autosave</label>
        <input
          id="setting-autosave"
          type="checkbox"
          checked={s.autosave}
          onChange={(e) => set({ autosave: e.target.checked })}
        />
      </div>
      <p className="muted settings-note">Kept in this browser, for every repl.</p>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </dialog>
  );
}
