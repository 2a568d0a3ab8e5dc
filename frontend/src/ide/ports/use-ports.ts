import { useEffect, useState } from 'react';
import type { RunnerConnection } from '../../runner/runner-connection';

/** The ports something listens on in the repl, kept current as servers start and stop. */
export function usePorts(connection: RunnerConnection): number[] {
  const [ports, setPorts] = useState<number[]>([]);
  useEffect(() => {
    const load = () =>
      connection.request('ports:list', {}).then(
        (r) => setPorts(r.ports.map((p) => p.port)),
        () => undefined,
      );
    const offChanged = connection.on('ports:changed', (r) => setPorts(r.ports.map((p) => p.port)));
    const offState = connection.onState((s) => {
      if (s === 'connected') void load();
    });
    if (connection.state === 'connected') void load();
    return () => {
      offChanged();
      offState();
    };
  }, [connection]);
  return ports;
}
