import type { AccessTokenRecord } from '@cubicle/protocol';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../api/error-messages';
import type { OrchestratorClient } from '../api/orchestrator-client';
import { PageHeader } from './PageHeader';

const when = (iso: string | null, never: string) => (iso ? new Date(iso).toLocaleString() : never);

/** Personal access tokens for the REST API: made here, shown once, revoked here. */
export function TokensPage({ api }: { api: OrchestratorClient }) {
  const [tokens, setTokens] = useState<AccessTokenRecord[] | null>(null);
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [made, setMade] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => api.tokens().then(setTokens, (e) => setError(describeError(e))), [api]);
  useEffect(() => {
    document.title = 'Access tokens · Cubicle';
    void refresh();
  }, [refresh]);

  return (
    <main className="home account-page">
      <PageHeader api={api} title="Access tokens" />
      {error && (
        <div className="banner error" role="alert">
          {error}
        </div>
      )}
      <p className="muted">
        A token lets a script call the Cubicle API as you: <code>Authorization: Bearer cub_…</code>. It can do
        everything you can, so keep it secret.
      </p>
      <form
        className="token-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const request = days === 'never' ? { name } : { name, expiresInDays: Number(days) };
            setMade((await api.createToken(request)).token);
            setName('');
            await refresh();
          } catch (err) {
            setError(describeError(err));
          }
        }}
      >
        <input
          aria-label="Token name"
          placeholder="What is it for? (e.g. CI)"
          value={name}
          required
          maxLength={64}
          onChange={(e) => setName(e.target.value)}
        />
        <select aria-label="Expires" value={days} onChange={(e) => setDays(e.target.value)}>
          <option value="7">7 days</option>
          <option value="30">30 days</option>
          <option value="90">90 days</option>
          <option value="366">a year</option>
          <option value="never">never</option>
        </select>
        <button type="submit" className="primary">
          Make a token
        </button>
      </form>
      {made && (
        <div className="banner token-made" role="status">
          <p>Copy it now: it is shown only this once.</p>
          <code className="token-value">{made}</code>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(made)}>
            Copy
          </button>
        </div>
      )}
      <table className="repl-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Made</th>
            <th>Expires</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens?.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{when(t.createdAt, '')}</td>
              <td>{when(t.expiresAt, 'never')}</td>
              <td>{when(t.lastUsedAt, 'not yet')}</td>
              <td>
                <button
                  type="button"
                  onClick={async () => {
                    await api.revokeToken(t.id).catch((e) => setError(describeError(e)));
                    await refresh();
                  }}
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {tokens?.length === 0 && <p className="muted">No tokens yet.</p>}
    </main>
  );
}
