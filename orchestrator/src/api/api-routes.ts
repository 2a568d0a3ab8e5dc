import {
  AccessTokenId,
  AccessTokenList,
  AuditList,
  AuditQuery,
  CreateAccessTokenRequest,
  CreatedAccessToken,
  CreateReplRequest,
  CreateReplResponse,
  EnvList,
  EnvName,
  ImportId,
  ImportProgress,
  KeyRotation,
  Me,
  PreviewTicket,
  PreviewTicketRequest,
  ReplId,
  ReplList,
  ReplListQuery,
  ReplRecord,
  RunnerToken,
  SetEnvRequest,
  SetQuotaRequest,
  SetShareRequest,
  StartReplResponse,
  TemplateList,
  UserId,
  UserList,
  UserRecord,
} from '@cubicle/protocol';
import { z } from 'zod';
import type { AccountService } from '../accounts/account-service.js';
import { ApiError } from '../api-error.js';
import type { RunnerKeys } from '../auth/runner-keys.js';
import type { PreviewAccess } from '../gateway/preview-access.js';
import type { ReplService } from '../repls/repl-service.js';
import type { AuditLog } from '../state/audit-log.js';
import type { TemplateCatalog } from '../templates/template-catalog.js';
import { type ApiRoute, route } from './api-route.js';

export interface ApiDeps {
  repls: ReplService;
  accounts: AccountService;
  previews: PreviewAccess;
  audit: AuditLog;
  catalog: TemplateCatalog;
  runnerKeys: RunnerKeys;
}

const IdParams = z.object({ id: ReplId });
const EnvParams = z.object({ id: ReplId, name: EnvName });

/**
 * The REST API (docs/protocol.md, "REST API"). Every route on a repl first asks
 * `repls.authorize`: another user's repl answers 404, exactly like one that does not exist.
 */
export function apiRoutes({ repls, accounts, previews, audit, catalog, runnerKeys }: ApiDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/me',
      summary: 'Who the caller is (name, avatar, admin, limits) and how this Cubicle signs people in',
      response: Me,
      status: 200,
      handle: (i) => accounts.me(i.who),
    }),
    route({
      method: 'get',
      path: '/api/templates',
      summary: 'Starter templates a repl can be created from',
      response: TemplateList,
      status: 200,
      handle: () => ({ templates: catalog.list() }),
    }),
    route({
      method: 'post',
      path: '/api/repls',
      summary:
        'Create a repl from a template (copies base/<template>/ to code/<id>/ in object storage) or by importing a repository, owned by the caller; an import names the files it left out (`skipped`)',
      body: CreateReplRequest,
      response: CreateReplResponse,
      status: 201,
      handle: (i) => repls.create(i.body, i.who.userId),
    }),
    route({
      method: 'get',
      path: '/api/imports/:importId',
      summary: "How far a repository import is (the create request's `importId`), while it runs and a minute after",
      params: z.object({ importId: ImportId }),
      response: ImportProgress,
      status: 200,
      handle: (i) => {
        const progress = repls.imports.get(i.params.importId);
        if (!progress) throw new ApiError('ENOENT', 'no import with that id is running');
        return progress;
      },
    }),
    route({
      method: 'get',
      path: '/api/repls',
      summary: "The caller's repls, newest first (admins: `?all=true` for everyone's)",
      query: ReplListQuery,
      response: ReplList,
      status: 200,
      handle: (i) => ({ repls: repls.list(i.who, i.query.all === 'true') }),
    }),
    route({
      method: 'get',
      path: '/api/repls/:id',
      summary: 'One repl',
      params: IdParams,
      response: ReplRecord,
      status: 200,
      handle: (i) => repls.get(repls.authorize(i.params.id, i.who).id),
    }),
    route({
      method: 'delete',
      path: '/api/repls/:id',
      summary: 'Stop a repl and delete it with its objects',
      params: IdParams,
      response: null,
      status: 204,
      handle: (i) => repls.delete(repls.authorize(i.params.id, i.who).id, i.who.userId),
    }),
    route({
      method: 'post',
      path: '/api/repls/:id/start',
      summary: 'Start a repl (idempotent); answers once its runner is ready, with URLs and a runner token',
      params: IdParams,
      response: StartReplResponse,
      status: 200,
      handle: (i) => repls.start(repls.authorize(i.params.id, i.who).id, i.who.userId),
    }),
    route({
      method: 'post',
      path: '/api/repls/:id/stop',
      summary: 'Flush the runner to object storage, then remove the sandbox',
      params: IdParams,
      response: ReplRecord,
      status: 200,
      handle: (i) => repls.stop(repls.authorize(i.params.id, i.who).id, i.who.userId),
    }),
    route({
      method: 'post',
      path: '/api/repls/:id/token',
      summary: 'A fresh runner token for the repl (its `sub` is the caller)',
      params: IdParams,
      response: RunnerToken,
      status: 200,
      handle: (i) => repls.issueToken(repls.authorize(i.params.id, i.who).id, i.who.userId),
    }),
    route({
      method: 'put',
      path: '/api/repls/:id/share',
      summary: "Who may open the repl's previews: `private` (its owner and admins) or `public` (anyone with the link)",
      params: IdParams,
      body: SetShareRequest,
      response: ReplRecord,
      status: 200,
      handle: (i) => repls.setShare(repls.authorize(i.params.id, i.who).id, i.body.share, i.who.userId),
    }),
    route({
      method: 'post',
      path: '/api/repls/:id/preview-ticket',
      summary:
        "A one-time address that signs the caller in to the repl's preview host (the IDE's preview frame uses it)",
      params: IdParams,
      body: PreviewTicketRequest,
      response: PreviewTicket,
      status: 200,
      handle: (i) => previews.ticketFor(repls.authorize(i.params.id, i.who).id, i.who, i.body),
    }),
    route({
      method: 'get',
      path: '/api/repls/:id/env',
      summary: "The repl's variables and secrets: names, kinds and plain values (a secret's value is never answered)",
      params: IdParams,
      response: EnvList,
      status: 200,
      handle: (i) => repls.listEnv(repls.authorize(i.params.id, i.who).id),
    }),
    route({
      method: 'put',
      path: '/api/repls/:id/env/:name',
      summary:
        'Set a variable or secret (sealed at rest); a running repl gets it at once, for shells, processes and runs started after',
      params: EnvParams,
      body: SetEnvRequest,
      response: EnvList,
      status: 200,
      handle: (i) => repls.setEnv(repls.authorize(i.params.id, i.who).id, i.params.name, i.body, i.who.userId),
    }),
    route({
      method: 'delete',
      path: '/api/repls/:id/env/:name',
      summary: 'Remove a variable or secret',
      params: EnvParams,
      response: null,
      status: 204,
      handle: (i) => repls.deleteEnv(repls.authorize(i.params.id, i.who).id, i.params.name, i.who.userId),
    }),
    route({
      method: 'get',
      path: '/api/audit',
      summary: "Who did what when, newest first: the caller's repls and account (admins: everything)",
      query: AuditQuery,
      response: AuditList,
      status: 200,
      handle: (i) => ({ events: audit.list(i.query, i.who.admin ? undefined : i.who.userId) }),
    }),
    route({
      method: 'get',
      path: '/api/tokens',
      summary: "The caller's personal access tokens (never their secrets)",
      response: AccessTokenList,
      status: 200,
      handle: (i) => ({ tokens: accounts.listTokens(i.who) }),
    }),
    route({
      method: 'post',
      path: '/api/tokens',
      summary: 'Make a personal access token (`Authorization: Bearer cub_…`); the answer is the only time it is shown',
      body: CreateAccessTokenRequest,
      response: CreatedAccessToken,
      status: 201,
      handle: (i) => accounts.createToken(i.who, i.body),
    }),
    route({
      method: 'delete',
      path: '/api/tokens/:tokenId',
      summary: 'Revoke one of your tokens: it stops working at once',
      params: z.object({ tokenId: AccessTokenId }),
      response: null,
      status: 204,
      handle: (i) => accounts.revokeToken(i.who, i.params.tokenId),
    }),
    route({
      method: 'get',
      path: '/api/users',
      summary: 'Every user with their limits (admins)',
      response: UserList,
      status: 200,
      handle: (i) => ({ users: accounts.listUsers(i.who) }),
    }),
    route({
      method: 'put',
      path: '/api/users/:userId/quota',
      summary: "Override a user's limits; null puts one back to the default (admins)",
      params: z.object({ userId: UserId }),
      body: SetQuotaRequest,
      response: UserRecord,
      status: 200,
      handle: (i) => accounts.setQuota(i.who, i.params.userId, i.body),
    }),
    route({
      method: 'post',
      path: '/api/signing-keys/rotate',
      summary:
        'Rotate the runner-token signing key: the published next key signs from now on; tokens signed before stay good until they expire (admins)',
      response: KeyRotation,
      status: 200,
      handle: (i) => {
        if (!i.who.admin) throw new ApiError('EFORBIDDEN', 'only admins may rotate the signing key');
        return runnerKeys.rotate(i.who.userId);
      },
    }),
  ];
}
