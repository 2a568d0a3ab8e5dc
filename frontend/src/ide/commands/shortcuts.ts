/** Whether the person's "Mod" key is ⌘ (macOS) or Ctrl, as CodeMirror and VS Code decide it. */
const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** A shortcut written as "Mod+Shift+P", shown as the person's keyboard names it. */
export function showShortcut(shortcut: string): string {
  return isMac ? shortcut.replace('Mod+', '⌘').replace('Shift+', '⇧') : shortcut.replace('Mod+', 'Ctrl+');
}

/** Whether a keydown is `shortcut` ("Mod+P", "Mod+Shift+P", "F1"). */
export function matchesShortcut(e: KeyboardEvent, shortcut: string): boolean {
  const parts = shortcut.split('+');
  const key = parts.at(-1)?.toLowerCase();
  const mod = parts.includes('Mod');
  const shift = parts.includes('Shift');
  return (
    e.key.toLowerCase() === key &&
    (isMac ? e.metaKey : e.ctrlKey) === mod &&
    e.shiftKey === shift &&
    !e.altKey &&
    (isMac ? !e.ctrlKey : !e.metaKey)
  );
}
