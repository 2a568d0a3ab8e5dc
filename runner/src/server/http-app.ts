import {
  type ActivityResponse,
  type ErrorBody,
  FlushQuery,
  type FlushResponse,
  type HealthResponse,
} from '@cubicle/protocol';
import express, { type Express, type Response, type Router } from 'express';
import { bearerToken, verifyRunnerToken } from '../auth/runner-token.js';
import type { ActivityTracker } from './activity-tracker.js';
import type { RunnerMetrics } from './runner-metrics.js';

export interface HttpAppDeps {
  activity: ActivityTracker;
  metrics: RunnerMetrics;
  state(): 'starting' | 'ready' | 'stopping';
  clients(): number;
  terminals(): number;
  replId: string;
  tokenSecret: string;
  /** Resolves with the status once nothing is pending, or null when the timeout passed first. */
  flush(timeoutMs: number): Promise<FlushResponse | null>;
  pending(): number;
  /** `/api/*`: processes and runs (server/process-api.ts). */
  api: Router;
}

const sendError = (res: Response, status: number, error: ErrorBody) => {
  res.status(status).json({ error });
};

/** Plain HTTP on the runner's port: probes, activity for the idle reaper, metrics, flush. */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    const body: HealthResponse = { status: deps.state() === 'stopping' ? 'stopping' : 'ok' };
    res.json(body);
  });
  app.get('/readyz', (_req, res) => {
    const state = deps.state();
    const body: HealthResponse = { status: state === 'ready' ? 'ok' : state };
    res.status(state === 'ready' ? 200 : 503).json(body);
  });
  app.get('/activity', (_req, res) => {
    const body: ActivityResponse = {
      lastActivityAt: deps.activity.lastActivityAt,
      clients: deps.clients(),
      terminals: deps.terminals(),
    };
    res.json(body);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.post('/flush', async (req, res) => {
    if (!(await verifyRunnerToken(bearerToken(req.get('authorization')), deps.tokenSecret, deps.replId))) {
      return sendError(res, 401, { code: 'EACCES', message: 'unauthorized' });
    }
    const query = FlushQuery.safeParse(req.query);
    if (!query.success) return sendError(res, 400, { code: 'EINVAL', message: 'timeout must be 1-600 seconds' });
    const status = await deps.flush(query.data.timeout * 1000);
    if (status) return res.json(status);
    sendError(res, 503, {
      code: 'EUNAVAILABLE',
      message: `${deps.pending()} changes still pending after ${query.data.timeout} s (object storage unreachable?)`,
    });
  });
  app.use(deps.api);
  app.use((_req, res) => sendError(res, 404, { code: 'ENOENT', message: 'no such route' }));
  return app;
}
