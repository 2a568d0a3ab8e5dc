import type { z } from 'zod';
import type { OpenApiRoute } from './openapi.js';

type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

/** A request's parts as the HTTP layer has them, plus what it adds (the caller, for the orchestrator). */
export type RawRouteInput<Ctx> = { params: Record<string, string>; query: unknown; body: unknown } & Ctx;

/** What a handler gets: the request's parts already parsed by the route's own schemas. */
export type RouteInput<P, Q, B, Ctx> = { params: P; query: Q; body: B } & Ctx;

/** One REST route: its schemas describe it in the OpenAPI document and parse each request. */
export interface Route<Ctx> extends OpenApiRoute {
  handle(input: RawRouteInput<Ctx>): Promise<unknown> | unknown;
}

export interface RouteDefinition<Ctx, P extends OpenApiRoute['params'], Q extends Schema, B extends Schema>
  extends Omit<OpenApiRoute, 'params' | 'query' | 'body'> {
  params?: P;
  query?: Q;
  body?: B;
  handle(input: RouteInput<Parsed<P>, Parsed<Q>, Parsed<B>, Ctx>): Promise<unknown> | unknown;
}

/**
 * The route definer of one HTTP surface (`Ctx`: what its layer adds to every input). A route's
 * declared params, query and body are parsed before its handler runs (a ZodError is a 400 naming
 * the field), so the OpenAPI document and the checks are the same schemas and cannot drift.
 */
export function routeDefiner<Ctx extends object>() {
  return <P extends OpenApiRoute['params'], Q extends Schema, B extends Schema>(
    def: RouteDefinition<Ctx, P, Q, B>,
  ): Route<Ctx> => ({
    ...def,
    handle: (raw) =>
      def.handle({
        ...raw,
        params: def.params?.parse(raw.params) as Parsed<P>,
        query: def.query?.parse(raw.query) as Parsed<Q>,
        body: def.body?.parse(raw.body) as Parsed<B>,
      }),
  });
}
