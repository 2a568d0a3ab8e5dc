import type { ProcessInfo } from '@cubicle/protocol';
import { useState } from 'react';
import { describeError } from '../../api/error-messages';
import { formatBytes } from '../../app/format';
import { useReplSession } from '../repl-session';
import { ProcessConsole } from './ProcessConsole';
import type { ProcessesView as ProcessesState } from './use-processes';

/** Every process of cubicle.json: state, restarts, CPU, memory, controls, and the logs of the one selected. */
export function ProcessesView({ state }: { state: ProcessesState }) {
  const { connection } = useReplSession();
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = (name: string, verb: 'start' | 'stop' | 'restart') => {
    setError(null);
    connection.request(`process:${verb}`, { name }).catch((err: unknown) => setError(describeError(err)));
  };
  const shown = selected ?? state.processes[0]?.name ?? null;
  return (
    <div className="processes-view">
      {state.config?.problem && (
        <div className="banner error" role="alert">
          {state.config.problem}
        </div>
      )}
      {error && (
        <div className="banner error" role="alert">
          {error}
        </div>
      )}
      {state.processes.length === 0 ? (
        <p className="muted pad">No processes: add "run" (and "processes") to cubicle.json.</p>
      ) : (
        <table className="process-table">
          <thead>
            <tr>
              <th>Process</th>
              <th>State</th>
              <th>Restarts</th>
              <th>CPU</th>
              <th>Memory</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {state.processes.map((p: ProcessInfo) => (
              <tr
                key={p.name}
                data-process={p.name}
                className={p.name === shown ? 'selected' : ''}
                onClick={() => setSelected(p.name)}
              >
                <td title={p.command}>{p.name}</td>
                <td>
                  <span className={`state state-${p.state}`} title={p.message ?? undefined}>
                    {p.state}
                  </span>
                </td>
                <td>{p.restarts}</td>
                <td>{p.cpuPercent === null ? '–' : `${p.cpuPercent.toFixed(0)}%`}</td>
                <td>{formatBytes(p.memoryBytes)}</td>
                <td className="repl-actions">
                  {p.state === 'stopped' || p.state === 'errored' ? (
                    <button type="button" onClick={() => act(p.name, 'start')}>
                      Start
                    </button>
                  ) : (
                    <button type="button" onClick={() => act(p.name, 'stop')}>
                      Stop
                    </button>
                  )}
                  <button type="button" onClick={() => act(p.name, 'restart')}>
                    Restart
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown && <ProcessConsole key={shown} name={shown} />}
    </div>
  );
}
