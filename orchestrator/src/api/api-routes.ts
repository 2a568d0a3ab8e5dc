import {
  AuditList,
  AuditQuery,
  CreateReplRequest,
  EnvList,
  EnvName,
  ImportId,
  ImportProgress,
  KeyRotation,
  type OpenApiRoute,
  ReplId,
  ReplList,
  ReplRecord,
  RunnerToken,
  SetEnvRequest,
  StartReplResponse,
  TemplateList,
} from '@cubicle/protocol';
import { z } from 'zod';
import { ApiError } from '../api-error.js';
import type { RunnerKeys } from '../auth/runner-keys.js';
import type { ReplService } from '../repls/repl-service.js';
import type { AuditLog } from '../state/audit-log.js';
import type { TemplateCatalog } from '../templates/template-catalog.js';

export interface RouteInput {
  params: Record<string, string>;
  query: unknown;
  body: unknown;
  actor: string;
}

/**
 * One REST route: its schemas validate the request and describe it in the OpenAPI document,
 * so the two cannot drift apart.
 */
export interface ApiRoute extends OpenApiRoute {
  handle(input: RouteInput): Promise<unknown> | unknown;
}

export interface ApiDeps {
  repls: ReplService;
  audit: AuditLog;
  catalog: TemplateCatalog;
  runnerKeys: RunnerKeys;
}

const IdParams = z.object({ id: ReplId });
const id = (input: RouteInput) => IdParams.parse(input.params).id;
const EnvParams = z.object({ id: ReplId, name: EnvName });
const envName = (input: RouteInput) => EnvParams.parse(input.params).name;

/** The REST API (docs/protocol.md, "REST API"). */
export function apiRoutes({ repls, audit, catalog, runnerKeys }: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'get',
      path: '/api/templates',
      summary: 'Starter templates a repl can be created from',
      response: TemplateList,
      status: 200,
      handle: () => ({ templates: catalog.list() }),
    },
    {
      method: 'post',
      path: '/api/repls',
      summary: 'Create a repl from a template (copies base/<template>/ to code/<id>/ in object storage)',
      body: CreateReplRequest,
      response: ReplRecord,
      status: 201,
      handle: (i) => repls.create(CreateReplRequest.parse(i.body), i.actor),
    },
    {
      method: 'get',
      path: '/api/imports/:importId',
      summary: "How far a repository import is (the create request's `importId`), while it runs and a minute after",
      params: z.object({ importId: ImportId }),
      response: ImportProgress,
      status: 200,
      handle: (i) => {
        const progress = repls.imports.get(z.object({ importId: ImportId }).parse(i.params).importId);
        if (!progress) throw new ApiError('ENOENT', 'no import with that id is running');
        return progress;
      },
    },
    {
      method: 'get',
      path: '/api/repls',
      summary: 'Every repl, newest first',
      response: ReplList,
      status: 200,
      handle: () => ({ repls: repls.list() }),
    },
    {
      method: 'get',
      path: '/api/repls/:id',
      summary: 'One repl',
      params: IdParams,
      response: ReplRecord,
      status: 200,
      handle: (i) => repls.get(id(i)),
    },
    {
      method: 'delete',
      path: '/api/repls/:id',
      summary: 'Stop a repl and delete it with its objects',
      params: IdParams,
      response: null,
      status: 204,
      handle: (i) => repls.delete(id(i), i.actor),
    },
    {
      method: 'post',
      path: '/api/repls/:id/start',
      summary: 'Start a repl (idempotent); answers once its runner is ready, with URLs and a runner token',
      params: IdParams,
      response: StartReplResponse,
      status: 200,
      handle: (i) => repls.start(id(i), i.actor),
    },
    {
      method: 'post',
      path: '/api/repls/:id/stop',
      summary: 'Flush the runner to object storage, then remove the sandbox',
      params: IdParams,
      response: ReplRecord,
      status: 200,
      handle: (i) => repls.stop(id(i), i.actor),
    },
    {
      method: 'post',
      path: '/api/repls/:id/token',
      summary: 'A fresh runner token for the repl',
      params: IdParams,
      response: RunnerToken,
      status: 200,
      handle: (i) => repls.issueToken(id(i), i.actor),
    },
    {
      method: 'get',
      path: '/api/repls/:id/env',
      summary: "The repl's variables and secrets: names, kinds and plain values (a secret's value is never answered)",
      params: IdParams,
      response: EnvList,
      status: 200,
      handle: (i) => repls.listEnv(id(i)),
    },
    {
      method: 'put',
      path: '/api/repls/:id/env/:name',
      summary:
        'Set a variable or secret (sealed at rest); a running repl gets it at once, for shells, processes and runs started after',
      params: EnvParams,
      body: SetEnvRequest,
      response: EnvList,
      status: 200,
      handle: (i) => repls.setEnv(id(i), envName(i), SetEnvRequest.parse(i.body), i.actor),
    },
    {
      method: 'delete',
      path: '/api/repls/:id/env/:name',
      summary: 'Remove a variable or secret',
      params: EnvParams,
      response: null,
      status: 204,
      handle: (i) => repls.deleteEnv(id(i), envName(i), i.actor),
    },
    {
      method: 'get',
      path: '/api/audit',
      summary: 'Who did what when, newest first',
      query: AuditQuery,
      response: AuditList,
      status: 200,
      handle: (i) => ({ events: audit.list(AuditQuery.parse(i.query)) }),
    },
    {
      method: 'post',
      path: '/api/signing-keys/rotate',
      summary:
        'Rotate the runner-token signing key: the published next key signs from now on; tokens signed before stay good until they expire',
      response: KeyRotation,
      status: 200,
      handle: (i) => runnerKeys.rotate(i.actor),
    },
  ];
}
