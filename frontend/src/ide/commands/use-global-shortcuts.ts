import { useEffect, useRef } from 'react';
import type { IdeCommand } from './command';
import { matchesShortcut } from './shortcuts';

/**
 * Runs the commands marked `global` from anywhere on the page, before the editor or the
 * terminal sees the key (a capture listener), as VS Code keeps Ctrl+P from the shell.
 */
export function useGlobalShortcuts(commands: readonly IdeCommand[]): void {
  const current = useRef(commands);
  current.current = commands;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target instanceof Element ? e.target : null;
      const command = current.current.find(
        (c) =>
          c.global && c.shortcut && matchesShortcut(e, c.shortcut) && !(c.notIn && target?.closest(c.notIn) !== null),
      );
      if (!command) return;
      e.preventDefault();
      e.stopPropagation();
      command.run();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
