import { Box } from 'lucide-react';
import type { OrchestratorClient } from '../api/orchestrator-client';
import { navigate } from '../app/router';
import { AccountMenu } from './AccountMenu';

/** The header of the pages outside a repl: home link, the page's name, the account menu. */
export function PageHeader({ api, title }: { api: OrchestratorClient; title?: string }) {
  return (
    <header className="home-header">
      <h1>
        <a
          href="/"
          className="home-title"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          <span className="logo" aria-hidden>
            <Box size={20} aria-hidden />
          </span>{' '}
          Cubicle
        </a>
        {title && <span className="page-title"> · {title}</span>}
      </h1>
      <AccountMenu api={api} />
    </header>
  );
}
