import type { GitStatus } from '@cubicle/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { RunnerConnection } from '../../runner/runner-connection';
import { GIT_STATUS_DEBOUNCE_MS } from '../../tuning';

/** The letter a changed file shows in the tree and the Source Control view (M, A, D, U for untracked). */
export function changeLetter(index: string, worktree: string): string {
  if (index === '?' || worktree === '?') return 'U';
  if (index === 'A') return 'A';
  if (index === 'D' || worktree === 'D') return 'D';
  if (index === 'R') return 'R';
  return 'M';
}

/** `git status` of the workspace, kept current as files change (from anyone: the shell too). */
export function useGitStatus(connection: RunnerConnection) {
  const [status, setStatus] = useState<GitStatus | null>(null);
  const refresh = useCallback(() => {
    connection.request('git:status', {}).then(setStatus, () => undefined);
  }, [connection]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, GIT_STATUS_DEBOUNCE_MS);
    };
    const offRefresh = connection.on('file:refresh', soon);
    const offState = connection.onState((s) => {
      if (s === 'connected') refresh();
    });
    if (connection.state === 'connected') refresh();
    return () => {
      clearTimeout(timer);
      offRefresh();
      offState();
    };
  }, [connection, refresh]);
  const letters = useMemo(
    () => new Map((status?.changes ?? []).map((c) => [c.path, changeLetter(c.index, c.worktree)])),
    [status],
  );
  return { status, refresh, letters };
}
