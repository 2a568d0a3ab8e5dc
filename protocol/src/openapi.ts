import { z } from 'zod';
import { ApiErrorResponse } from './orchestrator/api.js';

type JsonSchema = Record<string, unknown>;

/** What the OpenAPI document needs to know of one REST route; the same schemas validate it. */
export interface OpenApiRoute {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express syntax (`/api/repls/:id`). */
  path: string;
  summary: string;
  params?: z.ZodObject<Record<string, z.ZodType>>;
  query?: z.ZodType;
  body?: z.ZodType;
  /** JSON answer; null for an empty one. */
  response: z.ZodType | null;
  status: number;
  /** A Server-Sent Events stream instead of JSON: what its `data:` lines carry. */
  eventStream?: string;
}

const schema = (s: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { target: 'openapi-3.0', io, unrepresentable: 'any' });
  return rest;
};

function parameters(route: OpenApiRoute): JsonSchema[] {
  const out: JsonSchema[] = [];
  const add = (where: 'path' | 'query', s: z.ZodType | undefined) => {
    if (!s) return;
    const json = schema(s, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, prop] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: prop });
    }
  };
  add('path', route.params);
  add('query', route.query);
  return out;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  /** What the bearer token is, in words. */
  bearer: string;
  /** Whether calls without a token are allowed too. */
  bearerOptional: boolean;
}

/** The OpenAPI 3.0 document of a set of routes, made from their own zod schemas. */
export function openApiDocument(routes: readonly OpenApiRoute[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const error = { content: { 'application/json': { schema: schema(ApiErrorResponse, 'output') } } };
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    const ok = r.eventStream
      ? { description: r.eventStream, content: { 'text/event-stream': { schema: { type: 'string' } } } }
      : r.response
        ? { description: 'OK', content: { 'application/json': { schema: schema(r.response, 'output') } } }
        : { description: 'Done' };
    paths[path][r.method] = {
      summary: r.summary,
      parameters: parameters(r),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body, 'input') } } } }
        : {}),
      responses: { [String(r.status)]: ok, default: { description: '{ error: { code, message } }', ...error } },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: info.title, version: info.version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: info.bearer } } },
    security: info.bearerOptional ? [{ bearer: [] }, {}] : [{ bearer: [] }],
    paths,
  };
}
