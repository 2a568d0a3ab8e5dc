import { type Route, routeDefiner } from '@cubicle/protocol';
import type { Principal } from '../auth/principal.js';

/** What the orchestrator's HTTP layer adds to every route's input: who is calling. */
export interface Caller {
  who: Principal;
}

/** One REST route of the orchestrator (protocol/src/route.ts: its schemas parse each request). */
export type ApiRoute = Route<Caller>;

export const route = routeDefiner<Caller>();
