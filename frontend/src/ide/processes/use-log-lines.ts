import type { LogLine } from '@cubicle/protocol';
import { useEffect, useState } from 'react';

/** Lines shown at most in a console (older ones drop off the top). */
const MAX_LINES = 5000;

/** Appends lines once each, in seq order, keeping the newest MAX_LINES. */
export function mergeLines(current: LogLine[], incoming: LogLine[]): LogLine[] {
  const last = current.at(-1)?.seq ?? -1;
  const fresh = incoming.filter((l) => l.seq > last);
  if (fresh.length === 0) return current;
  const merged = [...current, ...fresh];
  return merged.length > MAX_LINES ? merged.slice(-MAX_LINES) : merged;
}

/**
 * A live log: `load` fetches the backlog, `subscribe` delivers pushes; both land in one list
 * without duplicates. Reloads when `key` changes (another process or run).
 */
export function useLogLines(
  key: string | null,
  load: () => Promise<LogLine[]>,
  subscribe: (push: (lines: LogLine[]) => void) => () => void,
): [LogLine[], () => void] {
  const [lines, setLines] = useState<LogLine[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names the log; load/subscribe follow it
  useEffect(() => {
    setLines([]);
    if (key === null) return;
    let cancelled = false;
    const early: LogLine[] = [];
    let loaded = false;
    const off = subscribe((incoming) => {
      if (!loaded) early.push(...incoming);
      else setLines((l) => mergeLines(l, incoming));
    });
    load().then(
      (backlog) => {
        if (cancelled) return;
        loaded = true;
        setLines(mergeLines(mergeLines([], backlog), early));
      },
      () => {
        loaded = true;
      },
    );
    return () => {
      cancelled = true;
      off();
    };
  }, [key]);
  return [lines, () => setLines([])];
}
