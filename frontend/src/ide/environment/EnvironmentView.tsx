import type { EnvVariable } from '@cubicle/protocol';
import { Trash2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { describeError } from '../../api/error-messages';
import { useReplSession } from '../repl-session';

/**
 * The repl's variables and secrets. Values are kept sealed by the orchestrator, never in the
 * workspace or storage; a secret's value is not shown again after it is saved. Shells, the app
 * and runs get them when they next start.
 */
export function EnvironmentView() {
  const { api, repl } = useReplSession();
  const [variables, setVariables] = useState<EnvVariable[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [secret, setSecret] = useState(true);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.env(repl.id).then(setVariables, (err: unknown) => setProblem(describeError(err)));
  }, [api, repl.id]);

  const act = async (action: () => Promise<EnvVariable[] | undefined>) => {
    setBusy(true);
    setProblem(null);
    try {
      const next = await action();
      if (next) setVariables(next);
      return true;
    } catch (err) {
      setProblem(describeError(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="env-view">
      <form
        className="env-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await act(() => api.setEnv(repl.id, name.trim(), value, secret))) {
            setName('');
            setValue('');
          }
        }}
      >
        <input
          aria-label="Variable name"
          placeholder="NAME"
          value={name}
          onChange={(e) => setName(e.target.value)}
          spellCheck={false}
          autoComplete="off"
        />
        <input
          aria-label="Variable value"
          placeholder="value"
          type={secret ? 'password' : 'text'}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          spellCheck={false}
          autoComplete="off"
        />
        <label className="env-secret">
          <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} /> Secret
        </label>
        <button type="submit" className="primary" disabled={busy || !name.trim()}>
          Save
        </button>
      </form>
      {problem && (
        <div className="banner error" role="alert">
          {problem}
        </div>
      )}
      <p className="muted env-note">
        Sealed by Cubicle, never written to the workspace or storage. New shells, the app and runs get them when they
        next start: open a new shell or restart the app.
      </p>
      <table className="env-table">
        <tbody>
          {variables?.length === 0 && (
            <tr>
              <td className="muted">No variables yet.</td>
            </tr>
          )}
          {variables?.map((v) => (
            <tr key={v.name} data-variable={v.name}>
              <td className="env-name">{v.name}</td>
              <td className="env-value">{v.secret ? <span className="muted">•••••• secret</span> : v.value}</td>
              <td>
                <button
                  type="button"
                  aria-label={`Remove ${v.name}`}
                  title={`Remove ${v.name}`}
                  disabled={busy}
                  onClick={() =>
                    void act(async () => {
                      await api.deleteEnv(repl.id, v.name);
                      return (variables ?? []).filter((x) => x.name !== v.name);
                    })
                  }
                >
                  <Trash2 size={13} aria-hidden />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
