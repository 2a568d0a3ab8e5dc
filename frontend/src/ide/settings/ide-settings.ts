/** The person's IDE preferences, the same in every repl (kept in this browser profile). */
export interface IdeSettings {
  theme: 'dark' | 'light';
  /** Editor and terminal font size, in CSS pixels. */
  fontSize: number;
  tabSize: number;
  wordWrap: boolean;
  keymap: 'standard' | 'vim' | 'emacs';
  /** Off: only Ctrl/Cmd+S saves, and closing an unsaved tab asks. */
  autosave: boolean;
}

export const DEFAULT_SETTINGS: IdeSettings = {
  theme: 'dark',
  fontSize: 13,
  tabSize: 2,
  wordWrap: false,
  keymap: 'standard',
  autosave: true,
};

export const FONT_SIZES = { min: 10, max: 28 } as const;
export const TAB_SIZES = [2, 4, 8] as const;

const STORAGE_KEY = 'cubicle:settings';

/** Whatever was stored, as valid settings: unknown or out-of-range values fall back to the defaults. */
export function parseSettings(raw: unknown): IdeSettings {
  const v = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const pick = <T>(ok: boolean, value: unknown, fallback: T): T => (ok ? (value as T) : fallback);
  const d = DEFAULT_SETTINGS;
  return {
    theme: pick(v.theme === 'dark' || v.theme === 'light', v.theme, d.theme),
    fontSize: pick(
      Number.isInteger(v.fontSize) &&
        (v.fontSize as number) >= FONT_SIZES.min &&
        (v.fontSize as number) <= FONT_SIZES.max,
      v.fontSize,
      d.fontSize,
    ),
    tabSize: pick((TAB_SIZES as readonly unknown[]).includes(v.tabSize), v.tabSize, d.tabSize),
    wordWrap: pick(typeof v.wordWrap === 'boolean', v.wordWrap, d.wordWrap),
    keymap: pick(v.keymap === 'standard' || v.keymap === 'vim' || v.keymap === 'emacs', v.keymap, d.keymap),
    autosave: pick(typeof v.autosave === 'boolean', v.autosave, d.autosave),
  };
}

/** The settings, remembered in localStorage; editors and terminals subscribe and follow changes live. */
export class SettingsStore {
  revision = 0;
  private value: IdeSettings;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: Storage | null = globalThis.localStorage ?? null) {
    let stored: unknown = null;
    try {
      stored = JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null');
    } catch {
      // unreadable: defaults
    }
    this.value = parseSettings(stored);
  }

  get current(): IdeSettings {
    return this.value;
  }

  update(change: Partial<IdeSettings>): void {
    this.value = parseSettings({ ...this.value, ...change });
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(this.value));
    } catch {
      // storage unavailable: the change lasts for this page only
    }
    this.revision += 1;
    for (const l of this.listeners) l();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The one store of this page. */
export const ideSettings = new SettingsStore();
