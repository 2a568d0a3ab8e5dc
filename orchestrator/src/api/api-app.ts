import fs from 'node:fs';
import path from 'node:path';
import { type OrchestratorHealth, openApiDocument } from '@cubicle/protocol';
import compression from 'compression';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { ZodError } from 'zod';
import { ApiError } from '../api-error.js';
import { type BrowserGuardOptions, browserGuard } from '../auth/browser-guard.js';
import type { Principal } from '../auth/principal.js';
import type { RequestAuth } from '../auth/request-auth.js';
import type { OrchestratorMetrics } from '../http/orchestrator-metrics.js';
import type { Logger } from '../log.js';
import { MAX_BODY_BYTES } from '../tuning.js';
import type { ApiRoute } from './api-route.js';
import { placeholderPage } from './placeholder-page.js';

export interface ApiAppOptions {
  routes: ApiRoute[];
  auth: RequestAuth;
  /** The IDE's own host names and origins (DNS-rebinding and CSRF protection). */
  browser: BrowserGuardOptions;
  /** `/auth/*`: sign-in, sign-out, the preview hand-off. */
  signIn: express.Router;
  metrics: OrchestratorMetrics;
  health(): OrchestratorHealth;
  frontendDir: string;
  version: string;
  log: Logger;
}

/** The orchestrator's own HTTP surface: REST API, OpenAPI, probes, metrics, and the IDE's files. */
export function createApiApp(opts: ApiAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  const openapi = openApiDocument(opts.routes, {
    title: 'Cubicle orchestrator',
    version: opts.version,
    bearer: 'a personal access token (cub_…), or ORCHESTRATOR_TOKEN; browsers use the session cookie instead',
    bearerOptional: true,
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' } satisfies OrchestratorHealth);
  });
  app.get('/readyz', (_req, res) => {
    const health = opts.health();
    res.status(health.status === 'ok' ? 200 : 503).json(health);
  });

  // Every route below answers only under the IDE's own names, and changes nothing for another origin.
  app.use(browserGuard(opts.browser));
  app.use('/auth', opts.signIn);
  const auth: express.RequestHandler = (req, res, next) => {
    const result = opts.auth.authenticate(req);
    if (!result.ok) return next(new ApiError('EACCES', `unauthorized: ${result.reason}`));
    res.locals.who = result.principal;
    next();
  };
  const adminOnly: express.RequestHandler = (_req, res, next) =>
    next((res.locals.who as Principal).admin ? undefined : new ApiError('EFORBIDDEN', 'metrics are for admins'));
  app.get('/metrics', auth, adminOnly, async (_req, res) => {
    res.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
  });
  app.use('/api', auth, express.json({ limit: MAX_BODY_BYTES, strict: true }));
  for (const route of opts.routes) {
    app[route.method](route.path, async (req, res, next) => {
      try {
        const result = await route.handle({
          params: req.params as Record<string, string>,
          query: req.query,
          body: req.body,
          who: res.locals.who as Principal,
        });
        if (route.response === null) res.status(route.status).end();
        else res.status(route.status).json(result);
      } catch (err) {
        next(err);
      }
    });
  }
  app.use('/api', (_req, _res, next) => next(new ApiError('ENOENT', 'no such API route')));

  const index = path.join(opts.frontendDir, 'index.html');
  if (fs.existsSync(index)) {
    // The IDE: gzip on the wire; hashed assets cached for good, index.html always revalidated.
    app.use(compression());
    app.use(
      '/assets',
      express.static(path.join(opts.frontendDir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
    );
    app.use(express.static(opts.frontendDir, { index: 'index.html', maxAge: 0 }));
    app.get('/{*path}', (_req, res) => res.sendFile(index, { maxAge: 0 })); // client-side routes
  } else {
    app.get('/', (_req, res) => res.type('html').send(placeholderPage()));
  }
  app.use(errorHandler(opts.log));
  return app;
}

function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = toApiError(err);
    if (e.code === 'EINTERNAL') log.error({ err, method: req.method, url: req.originalUrl }, 'API request failed');
    res.status(e.status).json(e.toBody());
  };
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) {
    const first = err.issues[0];
    const where = first?.path.length ? `${first.path.join('.')}: ` : '';
    return new ApiError('EINVAL', `${where}${first?.message ?? 'invalid request'}`);
  }
  // Errors Express and express.static raise for the request itself: a URL that does not decode (400),
  // a path that climbs out of the assets (403), a name no file can have (404).
  const status = (err as { status?: number }).status;
  if (status === 400) return new ApiError('EINVAL', 'malformed URL');
  if (status === 403 || status === 404) return new ApiError('ENOENT', 'not found');
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return new ApiError('E2BIG', `request body over ${MAX_BODY_BYTES} bytes`);
  if (type === 'entity.parse.failed') return new ApiError('EINVAL', 'malformed JSON body');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new ApiError('EINVAL', 'unsupported body encoding');
  }
  return new ApiError('EINTERNAL', 'internal error');
}
