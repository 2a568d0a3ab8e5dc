import type { ReplRecord, UserRecord } from '@cubicle/protocol';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../api/error-messages';
import type { OrchestratorClient } from '../api/orchestrator-client';
import { PageHeader } from './PageHeader';

const limit = (n: number | null) => (n === null ? 'no limit' : String(n));
const parseLimit = (text: string) => (text.trim() === '' ? null : Math.max(0, Math.floor(Number(text))));

/** Admins: every user with their limits (editable), and every repl with its owner. */
export function AdminPage({ api }: { api: OrchestratorClient }) {
  const [users, setUsers] = useState<UserRecord[] | null>(null);
  const [repls, setRepls] = useState<ReplRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    try {
      const [u, r] = await Promise.all([api.users(), api.listAll()]);
      setUsers(u);
      setRepls(r);
    } catch (err) {
      setError(describeError(err));
    }
  }, [api]);
  useEffect(() => {
    document.title = 'Admin · Cubicle';
    void refresh();
  }, [refresh]);
  const nameOf = (id: string) => users?.find((u) => u.id === id)?.name ?? id;

  return (
    <main className="home account-page">
      <PageHeader api={api} title="Admin" />
      {error && (
        <div className="banner error" role="alert">
          {error}
        </div>
      )}
      <section aria-label="Users">
        <h2>Users</h2>
        <table className="repl-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Repls (limit)</th>
              <th>Running (limit)</th>
              <th>Last sign-in</th>
            </tr>
          </thead>
          <tbody>
            {users?.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email ?? ''}</td>
                <td>{u.admin ? 'admin' : 'user'}</td>
                {(['maxRepls', 'maxRunning'] as const).map((field) => (
                  <td key={field}>
                    <input
                      className="quota-input"
                      aria-label={`${u.name}: ${field === 'maxRepls' ? 'repls' : 'running repls'} limit`}
                      placeholder={`default (${limit(u.quota[field])})`}
                      defaultValue={u.quotaOverride[field] ?? ''}
                      inputMode="numeric"
                      onBlur={async (e) => {
                        const value = parseLimit(e.target.value);
                        if (value === u.quotaOverride[field]) return;
                        try {
                          await api.setQuota(u.id, { ...u.quotaOverride, [field]: value });
                          await refresh();
                        } catch (err) {
                          setError(describeError(err));
                        }
                      }}
                    />
                  </td>
                ))}
                <td>{u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString() : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-label="All repls">
        <h2>All repls</h2>
        <table className="repl-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Owner</th>
              <th>State</th>
              <th>Preview</th>
            </tr>
          </thead>
          <tbody>
            {repls?.map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={`/repl/${r.id}`}>{r.name}</a>
                </td>
                <td>{nameOf(r.owner)}</td>
                <td>{r.state}</td>
                <td>{r.share}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
}
