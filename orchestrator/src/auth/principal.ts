/** Who a request acts for, once authenticated. */
export interface Principal {
  /** A user id: the audit log's actor and a repl's owner. */
  userId: string;
  admin: boolean;
  /** How the caller proved it: the local user (AUTH=none), ORCHESTRATOR_TOKEN, an access token, a browser session. */
  via: 'local' | 'bootstrap' | 'access-token' | 'session';
  /** With `via: 'session'`: the session's hash (preview tickets are tied to it). */
  sessionHash?: string;
}

/** AUTH=none: everything belongs to this one user. */
export const LOCAL_USER = { id: 'local', name: 'Local user' } as const;
/** ORCHESTRATOR_TOKEN acts as this admin (a bootstrap credential: scripts, the first setup). */
export const BOOTSTRAP_USER = { id: 'api-token', name: 'ORCHESTRATOR_TOKEN' } as const;
