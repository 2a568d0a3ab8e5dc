import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from '@cubicle/protocol';
import { httpStatusOf } from '@cubicle/protocol';
import { RunnerError } from '../errors.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface HttpRequest {
  readonly raw: IncomingMessage;
  /** `:name` segments of the route, decoded. */
  readonly params: Record<string, string>;
  /** The query string; a repeated key keeps its last value. */
  readonly query: Record<string, string>;
  header(name: string): string | undefined;
}

export type HttpHandler = (req: HttpRequest, res: ServerResponse) => Promise<void> | void;

interface Route {
  method: HttpMethod;
  pattern: RegExp;
  keys: string[];
  handler: HttpHandler;
}

/**
 * The runner's HTTP routes: a dozen paths with `:name` segments, on node:http. The runner is
 * one process per repl with an idle-memory budget, and Express (with its body parser, query
 * parser and MIME database) cost about 2 MB of heap there for what these few lines do; the
 * orchestrator keeps Express.
 */
export class HttpRouter {
  private readonly routes: Route[] = [];

  add(method: HttpMethod, path: string, handler: HttpHandler): this {
    const keys: string[] = [];
    const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  /** Runs the matching route's handler; false when no route matches. */
  async dispatch(raw: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(raw.url ?? '/', 'http://runner');
    const method = (raw.method === 'HEAD' ? 'get' : (raw.method ?? '').toLowerCase()) as HttpMethod;
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const params: Record<string, string> = {};
      try {
        route.keys.forEach((key, i) => {
          params[key] = decodeURIComponent(match[i + 1] as string);
        });
      } catch {
        sendError(res, { code: 'EINVAL', message: 'malformed path' });
        return true;
      }
      const request: HttpRequest = {
        raw,
        params,
        query: Object.fromEntries(url.searchParams),
        header: (name) => {
          const value = raw.headers[name.toLowerCase()];
          return Array.isArray(value) ? value[0] : value;
        },
      };
      await route.handler(request, res);
      return true;
    }
    return false;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ErrorBody): void {
  sendJson(res, httpStatusOf(error.code), { error });
}

/**
 * The JSON body of a request, at most `limit` bytes; undefined when it has none or is not
 * JSON. Bodies over the limit are `E2BIG` (read no further), unparsable ones `EINVAL`.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    req.resume(); // drain whatever was sent
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new RunnerError('E2BIG', `body over ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RunnerError('EINVAL', 'malformed JSON body');
  }
}
