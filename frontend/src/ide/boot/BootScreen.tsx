import { navigate } from '../../app/router';
import type { BootState, BootStep } from './use-repl-boot';

const STEPS: { step: Exclude<BootStep, 'done'>; label: string }[] = [
  { step: 'sandbox', label: 'Starting the sandbox and pulling your files' },
  { step: 'connect', label: 'Connecting to the workspace' },
  { step: 'shell', label: 'Starting the shell' },
];

/** What the person sees while their repl starts, and why it did not when it fails. */
export function BootScreen({ boot, name, onRetry }: { boot: BootState; name: string; onRetry(): void }) {
  const current = STEPS.findIndex((s) => s.step === boot.step);
  return (
    <div className="boot-screen" role="status" aria-live="polite">
      <div className="boot-card">
        <h1>{boot.stoppedUnderneath ? `${name} was stopped` : `Opening ${name}`}</h1>
        {boot.stoppedUnderneath ? (
          <p>It was stopped while this page was open (idle, or from another tab). Its files are saved.</p>
        ) : (
          <ol className="boot-steps">
            {STEPS.map((s, i) => {
              const state = i < current ? 'done' : i === current ? (boot.error ? 'failed' : 'active') : 'pending';
              return (
                <li key={s.step} className={`boot-step ${state}`} data-state={state}>
                  <span className="boot-mark" aria-hidden>
                    {state === 'done' ? '✓' : state === 'failed' ? '✕' : state === 'active' ? '◌' : '·'}
                  </span>
                  {s.label}
                  {state === 'active' && s.step === 'sandbox' && boot.progress && (
                    <span className="boot-progress" data-testid="boot-progress">
                      {boot.progress}
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
        )}
        {boot.error && (
          <div className="boot-error" role="alert">
            <p>{boot.error.message}</p>
            {boot.error.logs.length > 0 && <pre className="boot-logs">{boot.error.logs.join('\n')}</pre>}
          </div>
        )}
        {(boot.error || boot.stoppedUnderneath) && (
          <div className="dialog-actions">
            <button type="button" onClick={() => navigate('/')}>
              All repls
            </button>
            <button type="button" className="primary" onClick={onRetry}>
              {boot.stoppedUnderneath ? 'Start again' : 'Retry'}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
