import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ActivityResponse, FlushQuery, type FlushResponse, type HealthResponse } from '@cubicle/protocol';
import { bearerToken, type RunnerKeyRing } from '../auth/runner-token.js';
import type { Logger } from '../log.js';
import type { ActivityTracker } from './activity-tracker.js';
import { HttpRouter, sendError, sendJson } from './http-router.js';
import type { RunnerMetrics } from './runner-metrics.js';

export interface HttpAppDeps {
  activity: ActivityTracker;
  metrics: RunnerMetrics;
  log: Logger;
  state(): 'starting' | 'ready' | 'stopping';
  clients(): number;
  terminals(): number;
  replId: string;
  keys: RunnerKeyRing;
  /** Resolves with the status once nothing is pending, or null when the timeout passed first. */
  flush(timeoutMs: number): Promise<FlushResponse | null>;
  pending(): number;
  /** Adds `/api/*`: processes and runs (server/process-api.ts). */
  addApi(router: HttpRouter): void;
}

/** Plain HTTP on the runner's port: probes, activity for the idle reaper, metrics, flush, the API. */
export function createHttpApp(deps: HttpAppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const router = new HttpRouter();
  router.add('get', '/healthz', (_req, res) => {
    const body: HealthResponse = { status: deps.state() === 'stopping' ? 'stopping' : 'ok' };
    sendJson(res, 200, body);
  });
  router.add('get', '/readyz', (_req, res) => {
    const state = deps.state();
    const body: HealthResponse = { status: state === 'ready' ? 'ok' : state };
    sendJson(res, state === 'ready' ? 200 : 503, body);
  });
  router.add('get', '/activity', (_req, res) => {
    const body: ActivityResponse = {
      lastActivityAt: deps.activity.lastActivityAt,
      clients: deps.clients(),
      terminals: deps.terminals(),
    };
    sendJson(res, 200, body);
  });
  router.add('get', '/metrics', async (_req, res) => {
    const text = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text);
  });
  router.add('post', '/flush', async (req, res) => {
    if (!(await deps.keys.verify(bearerToken(req.header('authorization')), deps.replId))) {
      return sendError(res, { code: 'EACCES', message: 'unauthorized' });
    }
    const query = FlushQuery.safeParse(req.query);
    if (!query.success) return sendError(res, { code: 'EINVAL', message: 'timeout must be 1-600 seconds' });
    const status = await deps.flush(query.data.timeout * 1000);
    if (status) return sendJson(res, 200, status);
    sendError(res, {
      code: 'EUNAVAILABLE',
      message: `${deps.pending()} changes still pending after ${query.data.timeout} s (object storage unreachable?)`,
    });
  });
  deps.addApi(router);

  return (req, res) => {
    router
      .dispatch(req, res)
      .then((handled) => {
        if (!handled) sendError(res, { code: 'ENOENT', message: 'no such route' });
      })
      .catch((err: unknown) => {
        deps.log.error({ err, url: req.url }, 'http handler failed');
        if (!res.headersSent) sendError(res, { code: 'EINTERNAL', message: 'internal error' });
        else res.destroy();
      });
  };
}
