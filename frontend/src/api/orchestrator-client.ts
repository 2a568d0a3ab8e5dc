import {
  AccessTokenList,
  type AccessTokenRecord,
  ApiErrorResponse,
  type CreateAccessTokenRequest,
  CreatedAccessToken,
  type CreateReplRequest,
  type CreateReplResponse,
  CreateReplResponse as CreateReplResponseSchema,
  EnvList,
  type EnvVariable,
  type ErrorCode,
  ImportProgress,
  Me,
  PreviewTicket,
  ReplList,
  type ReplRecord,
  ReplRecord as ReplRecordSchema,
  RunnerToken,
  type SetQuotaRequest,
  type ShareLevel,
  StartReplResponse,
  type Template,
  TemplateList,
  UserList,
  type UserRecord,
  UserRecord as UserRecordSchema,
} from '@cubicle/protocol';
import type { z } from 'zod';
import { START_TIMEOUT_MS } from '../tuning';

/** A failed orchestrator call: the API's error code and message, or a network failure as EUNAVAILABLE. */
export class ApiClientError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiClientError';
  }
}

interface CallOptions {
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The orchestrator's REST API (docs/protocol.md, "REST API"), typed and validated by `protocol/`:
 * an answer that does not match its schema is an error, never a half-filled screen.
 */
export class OrchestratorClient {
  constructor(private readonly baseUrl = '') {}

  me(): Promise<Me> {
    return this.call('GET', '/api/me', Me);
  }
  /** Ends the session here; answers where the provider's own sign-out is, if it has one. */
  async signOut(): Promise<string | null> {
    const res = await fetch(`${this.baseUrl}/auth/logout`, { method: 'POST', headers: { 'x-cubicle-client': 'ide' } });
    const body = (await res.json().catch(() => ({}))) as { providerLogoutUrl?: string | null };
    return body.providerLogoutUrl ?? null;
  }
  async listAll(): Promise<ReplRecord[]> {
    return (await this.call('GET', '/api/repls?all=true', ReplList)).repls;
  }
  setShare(id: string, share: ShareLevel): Promise<ReplRecord> {
    return this.call('PUT', `/api/repls/${encodeURIComponent(id)}/share`, ReplRecordSchema, { body: { share } });
  }
  previewTicket(id: string, path: string, port: number | null): Promise<PreviewTicket> {
    const body = port === null ? { path } : { path, port };
    return this.call('POST', `/api/repls/${encodeURIComponent(id)}/preview-ticket`, PreviewTicket, { body });
  }
  async tokens(): Promise<AccessTokenRecord[]> {
    return (await this.call('GET', '/api/tokens', AccessTokenList)).tokens;
  }
  createToken(request: CreateAccessTokenRequest): Promise<CreatedAccessToken> {
    return this.call('POST', '/api/tokens', CreatedAccessToken, { body: request });
  }
  async revokeToken(id: string): Promise<void> {
    await this.call('DELETE', `/api/tokens/${encodeURIComponent(id)}`, null);
  }
  async users(): Promise<UserRecord[]> {
    return (await this.call('GET', '/api/users', UserList)).users;
  }
  setQuota(userId: string, quota: SetQuotaRequest): Promise<UserRecord> {
    return this.call('PUT', `/api/users/${encodeURIComponent(userId)}/quota`, UserRecordSchema, { body: quota });
  }

  async templates(): Promise<Template[]> {
    return (await this.call('GET', '/api/templates', TemplateList)).templates;
  }
  async list(): Promise<ReplRecord[]> {
    return (await this.call('GET', '/api/repls', ReplList)).repls;
  }
  get(id: string): Promise<ReplRecord> {
    return this.call('GET', `/api/repls/${encodeURIComponent(id)}`, ReplRecordSchema);
  }
  create(request: CreateReplRequest): Promise<CreateReplResponse> {
    return this.call('POST', '/api/repls', CreateReplResponseSchema, { body: request });
  }
  async delete(id: string): Promise<void> {
    await this.call('DELETE', `/api/repls/${encodeURIComponent(id)}`, null);
  }
  start(id: string, signal?: AbortSignal): Promise<StartReplResponse> {
    const opts: CallOptions = { timeoutMs: START_TIMEOUT_MS };
    if (signal) opts.signal = signal;
    return this.call('POST', `/api/repls/${encodeURIComponent(id)}/start`, StartReplResponse, opts);
  }
  stop(id: string): Promise<ReplRecord> {
    return this.call('POST', `/api/repls/${encodeURIComponent(id)}/stop`, ReplRecordSchema);
  }
  token(id: string): Promise<RunnerToken> {
    return this.call('POST', `/api/repls/${encodeURIComponent(id)}/token`, RunnerToken);
  }
  importProgress(importId: string): Promise<ImportProgress> {
    return this.call('GET', `/api/imports/${encodeURIComponent(importId)}`, ImportProgress);
  }
  async env(id: string): Promise<EnvVariable[]> {
    return (await this.call('GET', `/api/repls/${encodeURIComponent(id)}/env`, EnvList)).variables;
  }
  async setEnv(id: string, name: string, value: string, secret: boolean): Promise<EnvVariable[]> {
    const path = `/api/repls/${encodeURIComponent(id)}/env/${encodeURIComponent(name)}`;
    return (await this.call('PUT', path, EnvList, { body: { value, secret } })).variables;
  }
  async deleteEnv(id: string, name: string): Promise<void> {
    await this.call('DELETE', `/api/repls/${encodeURIComponent(id)}/env/${encodeURIComponent(name)}`, null);
  }

  private async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    opts?: CallOptions,
  ): Promise<z.output<S>>;
  private async call(method: string, path: string, schema: null, opts?: CallOptions): Promise<null>;
  private async call(method: string, path: string, schema: z.ZodType | null, opts: CallOptions = {}): Promise<unknown> {
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000)];
    if (opts.signal) signals.push(opts.signal);
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        // The client header marks the IDE's own calls: the orchestrator refuses changes without it (CSRF).
        headers: {
          'x-cubicle-client': 'ide',
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: opts.body === undefined ? null : JSON.stringify(opts.body),
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
      throw new ApiClientError(
        'EUNAVAILABLE',
        timedOut ? 'Cubicle did not answer in time.' : 'Cannot reach Cubicle: check your connection.',
        0,
      );
    }
    const text = await res.text();
    if (!res.ok) throw errorFromResponse(res.status, text);
    if (schema === null) return null;
    const parsed = schema.safeParse(text ? JSON.parse(text) : undefined);
    if (!parsed.success) throw new ApiClientError('EINTERNAL', `Unexpected answer from ${method} ${path}.`, res.status);
    return parsed.data;
  }
}

function errorFromResponse(status: number, text: string): ApiClientError {
  try {
    const body = ApiErrorResponse.safeParse(JSON.parse(text));
    if (body.success) return new ApiClientError(body.data.error.code, body.data.error.message, status);
  } catch {
    // not JSON: a proxy's error page
  }
  return new ApiClientError(status >= 500 ? 'EUNAVAILABLE' : 'EINTERNAL', `Cubicle answered HTTP ${status}.`, status);
}
