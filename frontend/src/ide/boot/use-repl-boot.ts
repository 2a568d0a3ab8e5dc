import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../api/error-messages';
import type { OrchestratorClient } from '../../api/orchestrator-client';
import { ApiClientError } from '../../api/orchestrator-client';
import { RunnerConnection } from '../../runner/runner-connection';
import { BOOT_PROGRESS_POLL_MS, CONNECT_TIMEOUT_MS } from '../../tuning';
import type { ReplSession } from '../repl-session';

/** The boot screen's steps, in order. `shell` ends when the first terminal is attached. */
export type BootStep = 'sandbox' | 'connect' | 'shell' | 'done';

export interface BootState {
  step: BootStep;
  /** A failure in words, with the sandbox's last log lines when there are some. */
  error: { message: string; logs: string[] } | null;
  /** The repl was stopped under an open IDE (idle reaper, another tab, a crash). */
  stoppedUnderneath: boolean;
  /** While the sandbox starts: what it waits for, as the orchestrator says ("waiting for a node: …"). */
  progress: string | null;
}

/**
 * Starts the repl, connects to its runner, and tells the boot screen where it is. Every step
 * ends in success or a failure with a reason and a retry: never an endless spinner.
 */
export function useReplBoot(replId: string, api: OrchestratorClient) {
  const [boot, setBoot] = useState<BootState>({
    step: 'sandbox',
    error: null,
    stoppedUnderneath: false,
    progress: null,
  });
  const [session, setSession] = useState<ReplSession | null>(null);
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is how Retry re-runs the boot
  useEffect(() => {
    const abort = new AbortController();
    let connection: RunnerConnection | null = null;
    const fail = (err: unknown) => {
      if (abort.signal.aborted) return;
      const logs = err instanceof ReplStartError ? err.logs : [];
      setBoot((b) => ({ ...b, error: { message: describeError(err), logs } }));
    };
    setBoot({ step: 'sandbox', error: null, stoppedUnderneath: false, progress: null });
    // A start can wait a while on a cluster (a new node, an image pull): show what for.
    const watchProgress = setInterval(() => {
      api.get(replId).then(
        (r) => !abort.signal.aborted && setBoot((b) => (b.step === 'sandbox' ? { ...b, progress: r.progress } : b)),
        () => undefined,
      );
    }, BOOT_PROGRESS_POLL_MS);
    (async () => {
      const runner = await api
        .start(replId, abort.signal)
        .finally(() => clearInterval(watchProgress))
        .catch(async (err: unknown) => {
          // A start that failed leaves the reason (and the runner's last lines) on the record.
          if (err instanceof ApiClientError && err.code === 'ESANDBOX') {
            const repl = await api.get(replId).catch(() => null);
            if (repl?.error) throw new ReplStartError(repl.error.reason, repl.error.logs);
          }
          throw err;
        });
      const repl = await api.get(replId);
      if (abort.signal.aborted) return;
      setBoot((b) => ({ ...b, step: 'connect', progress: null }));
      const conn = new RunnerConnection({
        url: runner.runnerUrl,
        token: runner.token,
        refreshToken: async () => (await api.token(replId)).token,
        onUnreachable: () => {
          api.get(replId).then(
            (r) => {
              if (r.state !== 'running' && !abort.signal.aborted) setBoot((b) => ({ ...b, stoppedUnderneath: true }));
            },
            () => undefined,
          );
        },
      });
      connection = conn;
      await waitConnected(conn, abort.signal);
      const s: ReplSession = { repl, runner, connection: conn, api };
      setSession(s);
      setBoot((b) => ({ ...b, step: 'shell' }));
    })().catch(fail);
    return () => {
      abort.abort();
      clearInterval(watchProgress);
      connection?.close();
      setSession(null);
    };
  }, [replId, api, attempt]);

  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  const shellReady = useCallback(() => setBoot((b) => (b.step === 'shell' ? { ...b, step: 'done' } : b)), []);
  return { boot, session, retry, shellReady };
}

class ReplStartError extends Error {
  constructor(
    message: string,
    readonly logs: string[],
  ) {
    super(message);
  }
}

function waitConnected(conn: RunnerConnection, signal: AbortSignal): Promise<void> {
  if (conn.state === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`The workspace did not accept a connection within ${CONNECT_TIMEOUT_MS / 1000} seconds.`));
    }, CONNECT_TIMEOUT_MS);
    const off = conn.onState((s) => {
      if (s !== 'connected') return;
      clearTimeout(timer);
      off();
      resolve();
    });
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      off();
    });
  });
}
