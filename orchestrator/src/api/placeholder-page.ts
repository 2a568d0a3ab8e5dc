/** What http://localhost:8080/ shows until the browser IDE is built (frontend/dist missing). */
export function placeholderPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cubicle</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>Cubicle is running</h1>
<p>The orchestrator, the gateway and object storage are up. The browser IDE is not built yet;
meanwhile the REST API is all here:</p>
<ul>
<li><a href="/api/templates"><code>GET /api/templates</code></a></li>
<li><code>POST /api/repls</code> with <code>{"template":"node"}</code>, then <code>POST /api/repls/&lt;id&gt;/start</code></li>
<li><a href="/api/repls"><code>GET /api/repls</code></a>, <a href="/api/audit"><code>GET /api/audit</code></a></li>
<li><a href="/api/openapi.json">OpenAPI document</a></li>
</ul>
<p>A running repl's app is served at <code>http://&lt;id&gt;.localhost:PORT/</code> and its runner at
<code>http://&lt;id&gt;-ws.localhost:PORT/</code>.</p></body></html>`;
}
