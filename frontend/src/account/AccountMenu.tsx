import { KeyRound, LogOut, Shield } from 'lucide-react';
import { useState } from 'react';
import type { OrchestratorClient } from '../api/orchestrator-client';
import { navigate } from '../app/router';
import { useAccount } from './account-context';

/** The signed-in user's avatar and name, with their tokens, the admin view and sign out. */
export function AccountMenu({ api }: { api: OrchestratorClient }) {
  const me = useAccount();
  const [open, setOpen] = useState(false);
  if (!me) return null;
  const { user } = me;
  const initials = user.name
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
  const go = (path: string) => {
    setOpen(false);
    navigate(path);
  };
  return (
    <div className="account-menu">
      <button
        type="button"
        className="account-button"
        aria-haspopup="menu"
        aria-expanded={open}
        title={user.email ?? user.name}
        onClick={() => setOpen((o) => !o)}
      >
        {user.picture ? (
          <img className="avatar" src={user.picture} alt="" referrerPolicy="no-referrer" />
        ) : (
          <span className="avatar" aria-hidden>
            {initials}
          </span>
        )}
        <span className="account-name">{user.name}</span>
      </button>
      {open && (
        <div className="account-dropdown" role="menu">
          <button type="button" role="menuitem" onClick={() => go('/tokens')}>
            <KeyRound size={14} aria-hidden /> Access tokens
          </button>
          {user.admin && (
            <button type="button" role="menuitem" onClick={() => go('/admin')}>
              <Shield size={14} aria-hidden /> Admin
            </button>
          )}
          {me.authMode === 'oidc' && (
            <button
              type="button"
              role="menuitem"
              onClick={async () => {
                const providerLogout = await api.signOut().catch(() => null);
                window.location.assign(providerLogout ?? '/');
              }}
            >
              <LogOut size={14} aria-hidden /> Sign out
            </button>
          )}
        </div>
      )}
    </div>
  );
}
