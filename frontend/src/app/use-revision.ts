import { useSyncExternalStore } from 'react';

/** An object outside React that counts its own changes (an open document, a terminal tab). */
export interface Revisioned {
  readonly revision: number;
  subscribe(listener: () => void): () => void;
}

/** Re-renders the component whenever `source` changes. */
export function useRevision(source: Revisioned): number {
  return useSyncExternalStore(
    (l) => source.subscribe(l),
    () => source.revision,
  );
}

/** Re-renders the component whenever any of `sources` changes. */
export function useRevisions(sources: readonly Revisioned[]): string {
  return useSyncExternalStore(
    (l) => {
      const offs = sources.map((s) => s.subscribe(l));
      return () => {
        for (const off of offs) off();
      };
    },
    () => sources.map((s) => s.revision).join(','),
  );
}
