import type { OpenApiRoute } from '@cubicle/protocol';
import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';

/** What a handler gets: the request's parts, already parsed by the route's own schemas. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  who: Principal;
}

export interface RawInput {
  params: Record<string, string>;
  query: unknown;
  body: unknown;
  who: Principal;
}

/** One REST route: its schemas describe it in the OpenAPI document and parse each request. */
export interface ApiRoute extends OpenApiRoute {
  handle(input: RawInput): Promise<unknown> | unknown;
}

type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

interface RouteDefinition<P extends OpenApiRoute['params'], Q extends Schema, B extends Schema>
  extends Omit<OpenApiRoute, 'params' | 'query' | 'body'> {
  params?: P;
  query?: Q;
  body?: B;
  handle(input: RouteInput<Parsed<P>, Parsed<Q>, Parsed<B>>): Promise<unknown> | unknown;
}

/**
 * Defines a route whose declared params, query and body are parsed before the handler runs
 * (a ZodError becomes a 400 naming the field), so the document and the checks cannot drift apart.
 */
export function route<P extends OpenApiRoute['params'], Q extends Schema, B extends Schema>(
  def: RouteDefinition<P, Q, B>,
): ApiRoute {
  return {
    ...def,
    handle: (raw) =>
      def.handle({
        params: def.params?.parse(raw.params) as Parsed<P>,
        query: def.query?.parse(raw.query) as Parsed<Q>,
        body: def.body?.parse(raw.body) as Parsed<B>,
        who: raw.who,
      }),
  };
}
