import { RotateCw } from 'lucide-react';
import type { LanguageClients } from './language-clients';
import { useLanguageRevision } from './use-language-clients';

const WORDS = { starting: 'starting…', ready: 'ready', crashed: 'crashed', stopped: 'stopped' } as const;

/** Each language server's state in the status bar; a crashed one shows why and offers a restart. */
export function LanguageStatus({ clients }: { clients: LanguageClients }) {
  useLanguageRevision(clients);
  return (
    <>
      {[...clients.statuses.values()]
        .filter((s) => s.state !== 'stopped')
        .map((s) => (
          <span
            key={s.language}
            className={`status-item language-${s.state}`}
            data-testid={`language-${s.language}`}
            title={[s.message, ...s.stderr].filter(Boolean).join('\n') || undefined}
          >
            {s.language}: {WORDS[s.state]}
            {s.state === 'crashed' && (
              <button
                type="button"
                className="status-action"
                aria-label={`Restart the ${s.language} language server`}
                onClick={() => void clients.restart(s.language)}
              >
                <RotateCw size={11} aria-hidden />
              </button>
            )}
          </span>
        ))}
    </>
  );
}
