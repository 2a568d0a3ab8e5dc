import type { ActivityResponse, HealthResponse } from '@cubicle/protocol';
import express, { type Express } from 'express';
import type { ActivityTracker } from './activity-tracker.js';
import type { RunnerMetrics } from './runner-metrics.js';

export interface HttpAppDeps {
  activity: ActivityTracker;
  metrics: RunnerMetrics;
  state(): 'starting' | 'ready' | 'stopping';
  clients(): number;
  terminals(): number;
}

/** Plain HTTP on the runner's port: probes, activity for the idle reaper, metrics. */
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
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'ENOENT', message: 'no such route' } });
  });
  return app;
}
