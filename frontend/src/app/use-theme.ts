import { useEffect } from 'react';
import { ideSettings } from '../ide/settings/ide-settings';
import { useRevision } from './use-revision';

/** Puts the chosen theme on <html data-theme>, where the stylesheet's colour variables follow it. */
export function useTheme(): void {
  useRevision(ideSettings);
  const { theme } = ideSettings.current;
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
}
