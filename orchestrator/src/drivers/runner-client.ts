import { ActivityResponse } from '@cubicle/protocol';
import { PROBE_TIMEOUT_MS } from '../tuning.js';

/** The runner's own HTTP endpoints (design.md, "HTTP on the same port"), as drivers and the reaper use them. */
export const runnerClient = {
  async ready(base: string): Promise<boolean> {
    try {
      const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await r.body?.cancel();
      return r.ok;
    } catch {
      return false;
    }
  },

  /** POST /flush: true once every pending change is in S3; false with the runner's reason otherwise. */
  async flush(base: string, token: string, timeoutS: number): Promise<{ ok: boolean; detail: string }> {
    try {
      const r = await fetch(`${base}/flush?timeout=${timeoutS}`, {
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

  async activity(base: string): Promise<ActivityResponse | null> {
    try {
      const r = await fetch(`${base}/activity`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      const parsed = ActivityResponse.safeParse(await r.json());
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  },
};
