import type { ServerResponse } from 'node:http';
import {
  type ErrorBody,
  type LogLine,
  type OpenApiRoute,
  openApiDocument,
  ProcessListResult,
  ProcessLogsRequest,
  ProcessLogsResult,
  ProcessName,
  ProcessResult,
  type Route,
  RunId,
  RunListRequest,
  RunListResult,
  RunnerEnvironment,
  type RunRecord,
  RunResult,
  RunStartRequest,
  routeDefiner,
} from '@cubicle/protocol';
import { z } from 'zod';

/** What `PUT /api/environment` answers: the names now set, never their values. */
const EnvironmentNames = z.object({ names: z.array(z.string()) });

import { bearerToken, type RunnerKeyRing } from '../auth/runner-token.js';
import { RunnerError } from '../errors.js';
import type { ProcessCommands } from '../processes/process-commands.js';
import type { ProcessManager } from '../processes/process-manager.js';
import type { ReplEnvironment } from '../processes/repl-environment.js';
import type { RunEvent, RunService } from '../runs/run-service.js';
import { isFinished } from '../runs/run-service.js';
import { SSE_HEARTBEAT_MS } from '../tuning.js';
import {
  type HttpRequest,
  type HttpRouter,
  readJsonBody,
  sendError as sendErrorBody,
  sendJson,
} from './http-router.js';

/** The runner's REST routes add nothing to the input: the token is checked before any runs. */
const route = routeDefiner<object>();
type ProcessApiRoute = Route<object>;

const NameParams = z.object({ name: ProcessName });
const IdParams = z.object({ id: RunId });
const StreamQuery = z.object({ after: z.coerce.number().int().min(-1).optional() });

export interface ProcessApiDeps {
  processes: ProcessManager;
  /** The same commands the socket's events run (activity counted alike). */
  commands: ProcessCommands;
  environment: ReplEnvironment;
  runs: RunService;
  replId: string;
  keys: RunnerKeyRing;
}

/** The REST routes for processes and runs (docs/protocol.md), one table that also makes the OpenAPI document. */
function routes({ processes, runs, environment, commands }: ProcessApiDeps): ProcessApiRoute[] {
  const LogsQuery = ProcessLogsRequest.omit({ name: true });
  const action = (verb: 'start' | 'stop' | 'restart') =>
    route({
      method: 'post',
      path: `/api/processes/:name/${verb}`,
      summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} a process of cubicle.json`,
      params: NameParams,
      response: ProcessResult,
      status: 200,
      handle: (i) => commands.control(i.params.name, verb),
    });
  return [
    route({
      method: 'put',
      path: '/api/environment',
      summary:
        "Replace the repl's variables and secrets (the orchestrator sends them at start and on each change); new shells, process starts and runs get them",
      body: RunnerEnvironment,
      response: EnvironmentNames,
      status: 200,
      handle: (i) => {
        environment.replace(i.body.variables);
        return { names: environment.names };
      },
    }),
    route({
      method: 'get',
      path: '/api/processes',
      summary: 'The processes of cubicle.json with state, restarts, CPU and memory; the file’s status and tasks',
      response: ProcessListResult,
      status: 200,
      handle: () => ({ processes: processes.list(), config: processes.status }),
    }),
    action('start'),
    action('stop'),
    action('restart'),
    route({
      method: 'get',
      path: '/api/processes/:name/logs',
      summary: 'The newest lines of a process’s log (stdout, stderr and the supervisor’s own, timestamped)',
      params: NameParams,
      query: LogsQuery,
      response: ProcessLogsResult,
      status: 200,
      handle: (i) => commands.logs(i.params.name, i.query.limit),
    }),
    route({
      method: 'delete',
      path: '/api/processes/:name/logs',
      summary: 'Clear a process’s log',
      params: NameParams,
      response: null,
      status: 204,
      handle: (i) => commands.clearLogs(i.params.name),
    }),
    route({
      method: 'get',
      path: '/api/runs',
      summary: 'Runs, newest first; page with ?before=<next>',
      query: RunListRequest,
      response: RunListResult,
      status: 200,
      handle: (i) => runs.list(i.query.limit, i.query.before),
    }),
    route({
      method: 'post',
      path: '/api/runs',
      summary: 'Start a task of cubicle.json or an ad hoc command (queued when the concurrency limit is reached)',
      body: RunStartRequest,
      response: RunResult,
      status: 201,
      handle: (i) => commands.startRun(i.body, 'api'),
    }),
    route({
      method: 'get',
      path: '/api/runs/:id',
      summary: 'One run',
      params: IdParams,
      response: RunResult,
      status: 200,
      handle: async (i) => ({ run: await runs.get(i.params.id) }),
    }),
    route({
      method: 'post',
      path: '/api/runs/:id/cancel',
      summary: 'Cancel a queued or running run (its whole process session ends)',
      params: IdParams,
      response: RunResult,
      status: 200,
      handle: async (i) => ({ run: await runs.cancel(i.params.id) }),
    }),
  ];
}

const streamRoute: OpenApiRoute = {
  method: 'get',
  path: '/api/runs/:id/stream',
  summary:
    'Server-Sent Events: `log` (a LogLine, event id = its seq), `status` (the RunRecord), `done` (the final record, then the stream ends); a comment every 15 s; resume with Last-Event-ID or ?after=<seq>',
  params: IdParams,
  query: StreamQuery,
  response: null,
  status: 200,
  eventStream: 'text/event-stream of log, status and done events',
};

/** Request bodies of the API: a run command or a repl's whole environment (ENV_MAX_TOTAL_BYTES, JSON-escaped). */
const API_BODY_LIMIT = 256 * 1024;

/** Adds `/api/*` to the runner's router: bearer runner token on everything but the OpenAPI document. */
export function addProcessApi(router: HttpRouter, deps: ProcessApiDeps, version: string): void {
  const table = routes(deps);
  // Made on first request: generating JSON Schemas costs start-up time every repl would pay.
  let doc: ReturnType<typeof openApiDocument> | null = null;
  router.add('get', '/api/openapi.json', (_req, res) => {
    doc ??= openApiDocument([...table, streamRoute], {
      title: 'Cubicle runner: processes and runs',
      version,
      bearer: 'a runner token for this repl (POST /api/repls/:id/token on the orchestrator)',
      bearerOptional: false,
    });
    sendJson(res, 200, doc);
  });
  const authorized = (req: HttpRequest) => deps.keys.verify(bearerToken(req.header('authorization')), deps.replId);
  for (const route of table) {
    router.add(route.method, route.path, async (req, res) => {
      try {
        if (!(await authorized(req))) throw new RunnerError('EACCES', 'unauthorized');
        const body = route.method === 'get' ? undefined : await readJsonBody(req.raw, API_BODY_LIMIT);
        const result = await route.handle({ params: req.params, query: req.query, body });
        if (route.response === null) res.writeHead(route.status).end();
        else sendJson(res, route.status, result);
      } catch (err) {
        sendError(res, err);
      }
    });
  }
  router.add('get', streamRoute.path, async (req, res) => {
    if (await authorized(req)) return streamRun(deps.runs, req, res);
    sendError(res, new RunnerError('EACCES', 'unauthorized'));
  });
}

function sendError(res: ServerResponse, err: unknown): void {
  let error: ErrorBody;
  if (err instanceof RunnerError) error = err.toBody();
  else if (err instanceof z.ZodError) {
    const first = err.issues[0];
    error = { code: 'EINVAL', message: `${first?.path.join('.') || 'request'}: ${first?.message ?? 'invalid'}` };
  } else error = { code: 'EINTERNAL', message: 'internal error' };
  sendErrorBody(res, error);
}

/** One SSE client of one run: backlog first, then live events, each line exactly once, in order. */
async function streamRun(runs: RunService, req: HttpRequest, res: ServerResponse): Promise<void> {
  const params = IdParams.safeParse(req.params);
  const query = StreamQuery.safeParse(req.query);
  if (!params.success || !query.success) return sendError(res, params.error ?? query.error);
  const { id } = params.data;
  const header = Number(req.header('last-event-id'));
  let lastSent = Number.isInteger(header) ? header : (query.data.after ?? -1);
  let record: RunRecord;
  try {
    record = await runs.get(id);
  } catch (err) {
    return sendError(res, err);
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx (ingress) must not buffer a live stream
  });
  const send = (event: string, data: unknown, eventId?: number) => {
    res.write(`${eventId === undefined ? '' : `id: ${eventId}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const sendLines = (lines: readonly LogLine[]) => {
    for (const line of lines) {
      if (line.seq <= lastSent) continue;
      send('log', line, line.seq);
      lastSent = line.seq;
    }
  };
  let finished = false;
  const end = (final: RunRecord) => {
    if (finished) return;
    finished = true;
    send('done', final);
    res.end();
  };

  // Subscribe before reading the backlog, buffering, so nothing falls between the two.
  const buffered: RunEvent[] = [];
  let live = false;
  const onEvent = (e: RunEvent) => {
    if (!live) return void buffered.push(e);
    if (e.type === 'log') sendLines(e.lines);
    else {
      send('status', e.run);
      if (isFinished(e.run.status)) end(e.run);
    }
  };
  const unsubscribe = runs.subscribe(id, onEvent);
  const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS);
  res.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe?.();
  });

  send('status', record);
  sendLines(await runs.logs(id, lastSent));
  live = true;
  for (const e of buffered) onEvent(e);
  if (!unsubscribe)
    end(await runs.get(id)); // already finished: the backlog was everything
  else if (isFinished(record.status)) end(record);
}
