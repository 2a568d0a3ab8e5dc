import { lazy, Suspense } from 'react';
import { OrchestratorClient } from '../api/orchestrator-client';
import { HomePage } from '../home/HomePage';
import { useRoute } from './router';
import { useTheme } from './use-theme';

// The IDE (CodeMirror, xterm.js) is its own chunk: the home page loads without it.
const IdePage = lazy(() => import('../ide/IdePage'));

const api = new OrchestratorClient();

export function App() {
  const route = useRoute();
  useTheme();
  if (route.page === 'repl') {
    return (
      <Suspense fallback={<div className="page-loading">Loading the IDE…</div>}>
        <IdePage key={route.id} replId={route.id} api={api} />
      </Suspense>
    );
  }
  return <HomePage api={api} />;
}
