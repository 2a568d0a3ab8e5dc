import type { Me } from '@cubicle/protocol';
import { lazy, Suspense, useEffect, useState } from 'react';
import { AdminPage } from '../account/AdminPage';
import { AccountContext, signInAgain } from '../account/account-context';
import { TokensPage } from '../account/TokensPage';
import { describeError } from '../api/error-messages';
import { ApiClientError, OrchestratorClient } from '../api/orchestrator-client';
import { HomePage } from '../home/HomePage';
import { useRoute } from './router';
import { useTheme } from './use-theme';

// The IDE (CodeMirror, xterm.js) is its own chunk: the home page loads without it.
const IdePage = lazy(() => import('../ide/IdePage'));

const api = new OrchestratorClient();

export function App() {
  const route = useRoute();
  useTheme();
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.me().then(setMe, (err) => {
      if (err instanceof ApiClientError && err.status === 401) signInAgain();
      else setError(describeError(err));
    });
  }, []);
  if (!me) return <div className="page-loading">{error ?? 'Loading…'}</div>;
  let page: React.ReactNode;
  if (route.page === 'repl') {
    page = (
      <Suspense fallback={<div className="page-loading">Loading the IDE…</div>}>
        <IdePage key={route.id} replId={route.id} api={api} />
      </Suspense>
    );
  } else if (route.page === 'tokens') page = <TokensPage api={api} />;
  else if (route.page === 'admin') page = <AdminPage api={api} />;
  else page = <HomePage api={api} />;
  return <AccountContext.Provider value={me}>{page}</AccountContext.Provider>;
}
