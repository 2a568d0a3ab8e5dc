import { ApiErrorResponse } from '@cubicle/protocol';
import { z } from 'zod';
import type { ApiRoute } from './api-routes.js';

type JsonSchema = Record<string, unknown>;

const schema = (s: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { target: 'openapi-3.0', io, unrepresentable: 'any' });
  return rest;
};

function parameters(route: ApiRoute): JsonSchema[] {
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

/** The OpenAPI 3.0 document of the API, made from the routes' own zod schemas. */
export function openApiDocument(routes: ApiRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const error = { content: { 'application/json': { schema: schema(ApiErrorResponse, 'output') } } };
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    const ok = r.response
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
    info: { title: 'Cubicle orchestrator', version },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'ORCHESTRATOR_TOKEN, when set' } },
    },
    security: [{ bearer: [] }, {}],
    paths,
  };
}
