import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LogLine, ReplState } from '@cubicle/protocol';
import { createProxyServer } from 'http-proxy-3';
import { PREVIEW_COOKIE, withoutCookie } from '../auth/cookies.js';
import { proxyTarget } from '../drivers/endpoint.js';
import type { SandboxTargets } from '../drivers/sandbox-driver.js';
import type { OrchestratorMetrics } from '../http/orchestrator-metrics.js';
import type { Logger } from '../log.js';
import { APP_PAGE_LINES, WS_UPSTREAM_CLOSE_GRACE_MS } from '../tuning.js';
import { PREVIEW_PROBE_HEADER, type Refusal, refuseUpgrade, sendRefusal } from './gateway-pages.js';
import type { HostKind, HostPatterns } from './host-patterns.js';
import { PortTunnelAgent } from './port-tunnel-agent.js';
import { PREVIEW_AUTH_PATH, type PreviewAccess, type PreviewDecision } from './preview-access.js';
import type { PreviewActivity } from './preview-activity.js';

/**
 * What a runner host serves to the outside: its Socket.io endpoint and its token-checked API.
 * `/activity`, `/metrics` and `/flush` are for the orchestrator on the internal address only.
 */
const RUNNER_PUBLIC_PATH = /^\/(socket\.io|api)(\/|\?|$)|^\/(healthz|readyz)(\?|$)/;

export interface GatewayRoute {
  state: ReplState | 'unknown';
  targets: SandboxTargets | null;
}

export interface GatewayOptions {
  hosts: HostPatterns;
  /** Where a repl is now: its state and, while running, its sandbox's internal addresses. */
  route(replId: string): GatewayRoute;
  previews: PreviewActivity;
  /** Who may open a preview (private by default, with AUTH=oidc). */
  access: PreviewAccess;
  /** The Run button's app in a running repl's runner (state, last lines), to explain a 502. */
  appStatus(replId: string): Promise<{ state: string; message: string | null; logs: LogLine[] } | null>;
  /** A runner token for the gateway's own tunnels into a repl (per-port previews). */
  tunnelToken(replId: string): Promise<string>;
  metrics: OrchestratorMetrics;
  log: Logger;
}

/**
 * The host-based router (docs/architecture.md, "Parts and layout"): `<id>` comes from the Host header;
 * the runner host goes to the repl's runner (Socket.io, HTTP), the preview host to its app.
 * HTTP and WebSocket upgrades are proxied; an unknown repl is a 404, a stopped one a 503 and
 * an app that does not listen a 502 — a page, never a hang. Preview requests count as activity.
 */
export class Gateway {
  private readonly proxy = createProxyServer({ xfwd: true });
  /** Each proxied preview request's access decision, made before Cubicle's cookie was taken off it. */
  private readonly decisions = new WeakMap<IncomingMessage, PreviewDecision>();

  constructor(private readonly opts: GatewayOptions) {
    this.proxy.on('error', (err, req, resOrSocket) => {
      const match = opts.hosts.match(req.headers.host);
      const kind = match?.kind ?? 'preview';
      opts.metrics.gatewayRequests.inc({ kind, outcome: 'upstream-error' });
      const refusal =
        match?.port !== undefined ? portDown(match.id, match.port) : upstreamDown(kind, match?.id ?? '?', err);
      if (!('writeHead' in resOrSocket)) return void resOrSocket.destroy();
      const as = answerAs(kind, req);
      if (match?.port !== undefined) return sendRefusal(resOrSocket, refusal, as);
      if (kind !== 'preview' || refusal.status !== 502 || !match) return sendRefusal(resOrSocket, refusal, as);
      // Nothing listens on the app port: say whether the app is starting or crashed, and, to someone
      // allowed on the repl (never a public link's visitor), with its output: it may hold secrets.
      const viewer = this.decisions.get(req) ?? { allow: false };
      void opts
        .appStatus(match.id)
        .catch(() => null)
        .then((app) => {
          const page = app ? (appPage(match.id, app) ?? refusal) : refusal;
          const { output: _hidden, ...withoutOutput } = page;
          sendRefusal(resOrSocket, viewer.allow && viewer.viewer ? page : withoutOutput, as);
        });
    });
    // The upstream closed (a runner refusing an oversized frame, an app restarting): the proxy ends
    // the browser's socket, but one still sending would keep it half-open; cut it after a grace.
    this.proxy.on('proxyReqWs', (proxyReq, _req, socket) => {
      proxyReq.once('upgrade', (_res, upstream: Duplex) => {
        upstream.once('close', () => {
          socket.end();
          setTimeout(() => socket.destroy(), WS_UPSTREAM_CLOSE_GRACE_MS).unref();
        });
      });
    });
  }

  /** Handles the request when its Host names a repl; false means it is not a gateway request. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const match = this.opts.hosts.match(req.headers.host);
    if (!match) return false;
    if (match.kind === 'runner' && !RUNNER_PUBLIC_PATH.test(req.url ?? '/')) {
      this.opts.metrics.gatewayRequests.inc({ kind: 'runner', outcome: 'denied' });
      sendRefusal(res, { status: 404, title: 'Not found', message: 'no such route' }, 'json');
      return true;
    }
    if (match.kind === 'preview') {
      if ((req.url ?? '').split('?')[0] === PREVIEW_AUTH_PATH) {
        this.opts.access.exchange(req, res, match.id);
        return true;
      }
      const decision = this.opts.access.decide(req, match.id);
      if (!decision.allow) {
        this.opts.metrics.gatewayRequests.inc({ kind: 'preview', outcome: 'denied' });
        this.opts.access.refuse(req, res);
        return true;
      }
      this.decisions.set(req, decision);
      stripPreviewCookie(req);
    }
    const target = this.target(match.kind, match.id);
    if ('status' in target) {
      sendRefusal(res, target, answerAs(match.kind, req));
      return true;
    }
    if (match.port !== undefined) {
      const port = match.port;
      void this.tunnel(match.id, port).then(
        (agent) => this.proxy.web(req, res, { target: `http://127.0.0.1:${port}`, agent }),
        () => sendRefusal(res, portDown(match.id, port), answerAs('preview', req)),
      );
      return true;
    }
    this.proxy.web(req, res, { target: target.url });
    return true;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = this.opts.hosts.match(req.headers.host);
    if (!match) return false;
    if (match.kind === 'runner' && !RUNNER_PUBLIC_PATH.test(req.url ?? '/')) {
      refuseUpgrade(socket, { status: 404, title: 'Not found', message: 'no such route' });
      return true;
    }
    if (match.kind === 'preview') {
      if (!this.opts.access.decide(req, match.id).allow) {
        refuseUpgrade(socket, {
          status: 401,
          title: 'Private',
          message: 'this preview is private: sign in to Cubicle',
        });
        return true;
      }
      stripPreviewCookie(req);
    }
    const target = this.target(match.kind, match.id);
    if ('status' in target) refuseUpgrade(socket, target);
    else if (match.port !== undefined) {
      const port = match.port;
      void this.tunnel(match.id, port).then(
        (agent) => this.proxy.ws(req, socket, head, { target: `http://127.0.0.1:${port}`, agent }),
        () => refuseUpgrade(socket, portDown(match.id, port)),
      );
    } else this.proxy.ws(req, socket, head, { target: target.url });
    return true;
  }

  /** An agent whose connections reach `port` inside the repl's sandbox, through its runner. */
  private async tunnel(id: string, port: number): Promise<PortTunnelAgent> {
    const targets = this.opts.route(id).targets;
    if (!targets) throw new Error('not running');
    return new PortTunnelAgent(targets.runner, port, await this.opts.tunnelToken(id));
  }

  close(): void {
    this.proxy.close();
  }

  private target(kind: HostKind, id: string): { url: ReturnType<typeof proxyTarget> } | Refusal {
    const route = this.opts.route(id);
    if (route.state === 'unknown') {
      this.opts.metrics.gatewayRequests.inc({ kind, outcome: 'unknown' });
      return { status: 404, title: 'No such repl', message: `There is no repl ${id}. It may have been deleted.` };
    }
    if (kind === 'preview') this.opts.previews.touch(id);
    if (route.state !== 'running' || !route.targets) {
      this.opts.metrics.gatewayRequests.inc({ kind, outcome: 'not-running' });
      const starting = route.state === 'starting';
      return {
        status: 503,
        title: starting ? 'Starting…' : 'This repl is not running',
        message: starting
          ? `Repl ${id} is starting; this page reloads when it is ready.`
          : `Repl ${id} is ${route.state}. Open it in Cubicle to start it.`,
        ...(starting ? { retrySeconds: 2 } : {}),
      };
    }
    this.opts.metrics.gatewayRequests.inc({ kind, outcome: 'proxied' });
    return { url: proxyTarget(kind === 'runner' ? route.targets.runner : route.targets.app) };
  }
}

/** The app never sees Cubicle's own cookie (it could replay it from the server side). */
function stripPreviewCookie(req: IncomingMessage): void {
  const kept = withoutCookie(req.headers.cookie, PREVIEW_COOKIE);
  if (kept === undefined) delete req.headers.cookie;
  else req.headers.cookie = kept;
}

/** A port's own preview with nothing listening on that port (yet). */
function portDown(id: string, port: number): Refusal {
  return {
    status: 502,
    title: `Nothing is listening on port ${port}`,
    message: `Repl ${id} has no server on port ${port} now. Start one (listening on 0.0.0.0 or 127.0.0.1) and this page shows it.`,
    retrySeconds: 3,
  };
}

/** Runner requests are API calls (JSON errors); preview requests get pages, or 204 for a waiting page's probe. */
function answerAs(kind: HostKind, req: IncomingMessage): 'page' | 'json' | 'probe' {
  if (kind === 'runner') return 'json';
  return req.headers[PREVIEW_PROBE_HEADER] === '1' ? 'probe' : 'page';
}

function upstreamDown(kind: HostKind, id: string, err: Error): Refusal {
  // A local sandbox's app socket is always there; with nothing on $PORT behind it, it hangs up at
  // once (a reset, or a broken pipe if the request was still being written).
  const code = (err as NodeJS.ErrnoException).code;
  const refused = code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE';
  if (kind === 'preview' && refused) {
    return {
      status: 502,
      title: 'Nothing is running yet',
      message: `Repl ${id} has no app listening on its port. Press Run (or start a server on $PORT in the shell).`,
      retrySeconds: 3,
    };
  }
  return { status: 502, title: 'The repl did not answer', message: `Repl ${id}: ${err.message}`, retrySeconds: 3 };
}

/** The preview's 502 when the runner knows about its app: starting, crashed (with why), or stopped. */
function appPage(id: string, app: { state: string; message: string | null; logs: LogLine[] }): Refusal | null {
  const output = app.logs.slice(-APP_PAGE_LINES).map((l) => (l.stream === 'system' ? `# ${l.text}` : l.text));
  switch (app.state) {
    case 'starting':
    case 'running':
      return {
        status: 502,
        title: 'Your app is starting…',
        message: `Repl ${id}: waiting for it to listen on $PORT.`,
        retrySeconds: 2,
        output,
      };
    case 'backoff':
      return {
        status: 502,
        title: 'Your app crashed',
        message: app.message ?? 'It is being restarted.',
        retrySeconds: 3,
        output,
      };
    case 'errored':
      return {
        status: 502,
        title: 'Your app crashed',
        message: `${app.message ?? 'It keeps crashing.'} Fix it and press Run.`,
        retrySeconds: 5,
        output,
      };
    default:
      return null; // stopped: the generic "press Run" page says it
  }
}
