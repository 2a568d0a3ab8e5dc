import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * Sent by a waiting page's own check (see `gatewayPage`): the gateway answers it with 204 and
 * PREVIEW_WAITING_HEADER while there is still nothing to show, so the check is not an error in
 * the browser's console, and passes it to the app once the app answers.
 */
export const PREVIEW_PROBE_HEADER = 'x-cubicle-preview-probe';
export const PREVIEW_WAITING_HEADER = 'x-cubicle-waiting';

/**
 * A small self-explaining page for a preview that cannot be shown. With `retrySeconds` it checks
 * by itself (a probe request, never a reload into another error) and reloads once there is
 * something to show; without scripts, a meta refresh does the same.
 */
export function gatewayPage(title: string, message: string, retrySeconds?: number, output?: string[]): string {
  const retry = retrySeconds
    ? `<noscript><meta http-equiv="refresh" content="${retrySeconds}"></noscript>
<script>setInterval(() => fetch(location.href, { headers: { '${PREVIEW_PROBE_HEADER}': '1' }, cache: 'no-store' })
  .then((r) => { if (r.headers.get('${PREVIEW_WAITING_HEADER}') !== '1') location.reload(); }, () => {}), ${retrySeconds * 1000});</script>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${retry}<title>${escapeHtml(title)}</title>
<meta name="color-scheme" content="dark light">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:5rem auto;padding:0 1rem;color:#d7dae0;background:#16171b}
h1{font-size:1.4rem}p{line-height:1.5;color:#8b909c}code{color:#d7dae0}
pre{background:#1e1f24;color:#d7dae0;padding:.8rem;overflow:auto;font-size:.8rem;max-height:24rem}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${
    output?.length ? `<pre>${escapeHtml(output.join('\n'))}</pre>` : ''
  }${retrySeconds ? `<p><small>This page checks again every ${retrySeconds} s and shows the app once it answers.</small></p>` : ''}</body></html>`;
}

export interface Refusal {
  status: number;
  title: string;
  message: string;
  retrySeconds?: number;
  /** The app's last output lines, shown under the message. */
  output?: string[];
}

/**
 * Answers a preview request with a page, or a runner (API) request with the JSON error shape;
 * a waiting page's probe gets a bare 204 that says "still waiting".
 */
export function sendRefusal(res: ServerResponse, r: Refusal, as: 'page' | 'json' | 'probe'): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (as === 'probe' && r.retrySeconds) {
    res.writeHead(204, { [PREVIEW_WAITING_HEADER]: '1', 'cache-control': 'no-store' });
    res.end();
    return;
  }
  const asJson = as === 'json';
  const code = codeOf(r.status);
  const body = asJson
    ? JSON.stringify({ error: { code, message: r.message } })
    : gatewayPage(r.title, r.message, r.retrySeconds, r.output);
  res.writeHead(r.status, {
    'content-type': asJson ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(r.retrySeconds ? { 'retry-after': String(r.retrySeconds) } : {}),
  });
  res.end(body);
}

const codeOf = (status: number) => (status === 401 ? 'EACCES' : status === 404 ? 'ENOENT' : 'EUNAVAILABLE');

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Refuses a WebSocket upgrade with a plain HTTP response instead of leaving the socket hanging. */
export function refuseUpgrade(socket: Duplex, r: Refusal): void {
  const body = JSON.stringify({ error: { code: codeOf(r.status), message: r.message } });
  socket.end(
    `HTTP/1.1 ${r.status} ${REASONS[r.status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
