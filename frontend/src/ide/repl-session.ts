import type { ReplRecord, StartReplResponse } from '@cubicle/protocol';
import { createContext, useContext } from 'react';
import type { OrchestratorClient } from '../api/orchestrator-client';
import type { RunnerConnection } from '../runner/runner-connection';

/** Everything the IDE's panes share about the open repl. */
export interface ReplSession {
  repl: ReplRecord;
  runner: StartReplResponse;
  connection: RunnerConnection;
  api: OrchestratorClient;
}

export const ReplSessionContext = createContext<ReplSession | null>(null);

export function useReplSession(): ReplSession {
  const session = useContext(ReplSessionContext);
  if (!session) throw new Error('useReplSession outside an open repl');
  return session;
}
