import { Play, RotateCw, Square } from 'lucide-react';
import { useState } from 'react';
import { describeError } from '../../api/error-messages';
import { useReplSession } from '../repl-session';
import type { ProcessesView } from './use-processes';

/** Run / Stop / Restart for the process `app` (cubicle.json's `run`), with its state. */
export function AppControls({ state, onRun }: { state: ProcessesView; onRun(): void }) {
  const { connection } = useReplSession();
  const [error, setError] = useState<string | null>(null);
  const { app, config } = state;
  const act = (verb: 'start' | 'stop' | 'restart') => {
    setError(null);
    if (verb !== 'stop') onRun();
    connection.request(`process:${verb}`, { name: 'app' }).catch((err: unknown) => setError(describeError(err)));
  };
  const up = app !== null && (app.state === 'running' || app.state === 'starting' || app.state === 'backoff');
  const notice = error ?? config?.problem ?? (app?.state === 'errored' ? app.message : null);
  return (
    <>
      {up ? (
        <>
          <button type="button" className="stop-app" aria-label="Stop the app" onClick={() => act('stop')}>
            <Square size={12} fill="currentColor" aria-hidden /> Stop
          </button>
          <button type="button" aria-label="Restart the app" onClick={() => act('restart')}>
            <RotateCw size={13} aria-hidden /> Restart
          </button>
        </>
      ) : (
        <button
          type="button"
          className="run-button primary"
          disabled={!app}
          title={app ? app.command : 'Nothing to run: add "run" to cubicle.json'}
          onClick={() => act('start')}
          aria-label="Run the app"
        >
          <Play size={13} fill="currentColor" aria-hidden /> Run
        </button>
      )}
      {app && (
        <span className={`state state-${app.state}`} data-testid="app-state" title={app.message ?? app.command}>
          {app.state}
        </span>
      )}
      {notice && (
        <span className="top-notice" role="alert" title={notice}>
          {notice}
        </span>
      )}
    </>
  );
}
