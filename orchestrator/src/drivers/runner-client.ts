import { ActivityResponse, type LogLine, ProcessListResult, ProcessLogsResult } from '@cubicle/protocol';
import { fetch, type RequestInit } from 'undici';
import { PROBE_TIMEOUT_MS } from '../tuning.js';
import { type Endpoint, requestTarget } from './endpoint.js';

/** fetch() to a path on a sandbox's runner, whether it listens on TCP or on a Unix socket. */
function call(base: Endpoint, path: string, init: RequestInit = {}) {
  const { url, dispatcher } = requestTarget(base, path);
  return fetch(url, dispatcher ? { ...init, dispatcher } : init);
}

/** The runner's own HTTP endpoints (docs/protocol.md, "HTTP on the runner's port"), as drivers and the reaper use them. */
export const runnerClient = {
  async ready(base: Endpoint): Promise<boolean> {
    try {
      const r = await call(base, '/readyz', { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await r.body?.cancel();
      return r.ok;
    } catch {
      return false;
    }
  },

  /** POST /flush: true once every pending change is in S3; false with the runner's reason otherwise. */
  async flush(base: Endpoint, token: string, timeoutS: number): Promise<{ ok: boolean; detail: string }> {
    try {
      const r = await call(base, `/flush?timeout=${timeoutS}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(timeoutS * 1000 + PROBE_TIMEOUT_MS),
      });
      const text = await r.text();
      return { ok: r.ok, detail: r.ok ? 'flushed' : `flush answered ${r.status}: ${text.slice(0, 300)}` };
    } catch (err) {
      return { ok: false, detail: `flush failed: ${(err as Error).message}` };
    }
  },

  /** PUT /api/environment: the repl's variables and secrets, which the runner keeps in memory. */
  async setEnvironment(
    base: Endpoint,
    token: string,
    variables: Record<string, string>,
  ): Promise<{ ok: boolean; detail: string }> {
    try {
      const r = await call(base, '/api/environment', {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ variables }),
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS * 4),
      });
      const text = await r.text();
      return { ok: r.ok, detail: r.ok ? 'set' : `the runner answered ${r.status}: ${text.slice(0, 300)}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  },

  /** The Run button's `app` and its last log lines, or null (no such process, or no answer). */
  async app(
    base: string,
    token: string,
    lines: number,
  ): Promise<{ state: string; message: string | null; logs: LogLine[] } | null> {
    try {
      const get = (path: string) =>
        call(base, path, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        });
      const list = ProcessListResult.safeParse(await (await get('/api/processes')).json());
      const app = list.success ? list.data.processes.find((p) => p.name === 'app') : undefined;
      if (!app) return null;
      const logs = ProcessLogsResult.safeParse(await (await get(`/api/processes/app/logs?limit=${lines}`)).json());
      return { state: app.state, message: app.message, logs: logs.success ? logs.data.lines : [] };
    } catch {
      return null;
    }
  },

  async activity(base: Endpoint): Promise<ActivityResponse | null> {
    try {
      const r = await call(base, '/activity', { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      const parsed = ActivityResponse.safeParse(await r.json());
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  },
};
