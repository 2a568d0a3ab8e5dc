import { useSyncExternalStore } from 'react';
import type { LanguageClients } from './language-clients';

/** Re-renders when a server's state or the published problems change. */
export function useLanguageRevision(clients: LanguageClients): number {
  return useSyncExternalStore(
    (listener) => clients.subscribe(listener),
    () => clients.revision,
  );
}
