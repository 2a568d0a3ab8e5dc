import type { ProcessConfigStatus, ProcessInfo } from '@cubicle/protocol';
import { useCallback, useEffect, useState } from 'react';
import type { RunnerConnection } from '../../runner/runner-connection';

export interface ProcessesView {
  processes: ProcessInfo[];
  config: ProcessConfigStatus | null;
  app: ProcessInfo | null;
}

/** The runner's supervised processes, live: listed on every (re)connect, then kept by `process:status`. */
export function useProcesses(connection: RunnerConnection): ProcessesView & { refresh(): void } {
  const [processes, setProcesses] = useState<ProcessInfo[]>([]);
  const [config, setConfig] = useState<ProcessConfigStatus | null>(null);

  const refresh = useCallback(() => {
    connection.request('process:list', {}).then(
      (r) => {
        setProcesses(r.processes);
        setConfig(r.config);
      },
      () => undefined, // reconnecting: the next connect lists again
    );
  }, [connection]);

  useEffect(() => {
    refresh();
    const offStatus = connection.on('process:status', (info) =>
      setProcesses((list) => {
        const i = list.findIndex((p) => p.name === info.name);
        return i < 0 ? [...list, info] : list.map((p, j) => (j === i ? info : p));
      }),
    );
    // cubicle.json edited: its processes and problems change.
    const offRefresh = connection.on('file:refresh', ({ changes }) => {
      if (changes.some((c) => c.path === 'cubicle.json')) setTimeout(refresh, 100);
    });
    const offState = connection.onState((s) => s === 'connected' && refresh());
    return () => {
      offStatus();
      offRefresh();
      offState();
    };
  }, [connection, refresh]);

  return { processes, config, app: processes.find((p) => p.name === 'app') ?? null, refresh };
}
