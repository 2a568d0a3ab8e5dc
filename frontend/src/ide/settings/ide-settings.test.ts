import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseSettings, SettingsStore } from './ide-settings';

/** A Storage over a Map: the browser's localStorage contract, in memory. */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

describe('IDE settings', () => {
  it('falls back to defaults for anything unknown or out of range', () => {
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings({ theme: 'neon', fontSize: 99, tabSize: 3, keymap: 'vim', wordWrap: 'yes' })).toEqual({
      ...DEFAULT_SETTINGS,
      keymap: 'vim',
    });
  });

  it('remembers a change for the next page and tells subscribers at once', () => {
    const storage = memoryStorage();
    const store = new SettingsStore(storage);
    let told = 0;
    store.subscribe(() => told++);
    store.update({ fontSize: 18, theme: 'light' });
    expect(told).toBe(1);
    expect(new SettingsStore(storage).current).toMatchObject({ fontSize: 18, theme: 'light' });
  });
});
