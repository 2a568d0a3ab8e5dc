import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { httpRequest } from '@cubicle/orchestrator/test-support/localhost';
import type { OrchestratorHarness } from '@cubicle/orchestrator/test-support/orchestrator-harness';
import type { StartReplResponse } from '@cubicle/protocol';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import { browse, CookieJar, signIn } from './support/browserless-sign-in.js';
import { type SignInStack, startSignInStack, type TestProvider } from './support/oidc-test-provider.js';

type ErrorReply = { error: { code: string; message: string } };

/** Every REST route on one repl: method, path, body. */
const routesOf = (id: string): [string, string, unknown][] => [
  ['GET', `/api/repls/${id}`, undefined],
  ['POST', `/api/repls/${id}/stop`, undefined],
  ['POST', `/api/repls/${id}/start`, undefined],
  ['POST', `/api/repls/${id}/token`, undefined],
  ['GET', `/api/repls/${id}/env`, undefined],
  ['PUT', `/api/repls/${id}/env/API_KEY`, { value: 'someone-else-was-here', secret: false }],
  ['DELETE', `/api/repls/${id}/env/API_KEY`, undefined],
  ['PUT', `/api/repls/${id}/share`, { share: 'public' }],
  ['POST', `/api/repls/${id}/preview-ticket`, {}],
  ['DELETE', `/api/repls/${id}`, undefined],
];

/** The app the tests preview: echoes what it was sent (so a test can see which cookies reached it). */
const SERVER_JS = `require('http').createServer((q, s) => {
  if (q.method === 'OPTIONS') {
    s.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST', 'x-preflight': 'app' });
    return s.end();
  }
  s.end('app says hello; cookies: ' + (q.headers.cookie || 'none'));
}).listen(process.env.PORT);`;

describe('accounts: sign-in with OpenID Connect, ownership, private previews, quotas', () => {
  let stack: SignInStack;
  let provider: TestProvider;
  let h: OrchestratorHarness;
  let ide: string;
  const jars: Record<'alice' | 'bob' | 'root', CookieJar> = {} as never;
  const as = (who: keyof typeof jars) => ({ headers: { cookie: jars[who].header(ide) ?? '' } });
  let aliceRepl: string;
  let aliceStart: StartReplResponse;
  const previewOf = (id: string) => `http://${id}.localhost:${h.port}`;

  before(async () => {
    stack = await startSignInStack({
      OIDC_SCOPES: 'openid email profile groups',
      ADMIN_CLAIM: 'groups=cubicle-admins',
      QUOTA_REPLS: '3',
      QUOTA_RUNNING: '1',
    });
    ({ provider, h, ide } = stack);
    for (const who of ['alice', 'bob', 'root'] as const) jars[who] = await signIn(ide, who);
  });
  after(() => stack?.close());

  test('each person signs in through the provider and is who the provider says; the admin role comes from a claim', async () => {
    const me = await h.api<{ authMode: string; user: { id: string; name: string; email: string; admin: boolean } }>(
      'GET',
      '/api/me',
      undefined,
      as('alice'),
    );
    assert.equal(me.status, 200);
    assert.equal(me.body.authMode, 'oidc');
    assert.equal(me.body.user.name, 'Alice Liddell');
    assert.equal(me.body.user.email, 'alice@example.com');
    assert.equal(me.body.user.admin, false);
    const root = await h.api<{ user: { admin: boolean } }>('GET', '/api/me', undefined, as('root'));
    assert.equal(root.body.user.admin, true);
    // The session cookie: HttpOnly, SameSite=Lax, host-only (no Domain: never sent to a repl's host).
    const jar = new CookieJar();
    const page = await browse(jar, `${ide}/auth/login`);
    assert.match(page.url, new RegExp(`^${provider.issuer}/interaction/`), 'the provider’s own login page');
    const login = await httpRequest(`${ide}/auth/login`);
    assert.equal(login.status, 302);
    const location = new URL(String(login.headers.location));
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(location.searchParams.get('state') && location.searchParams.get('nonce'));
  });

  test('without a session, with a forged cookie, after sign-out: 401 on the API, and nothing is made', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { cookie: 'cubicle_session=forged-forged-forged-forged-forged-forged-00' },
    ];
    for (const headers of attempts) {
      const r = await h.api<ErrorReply>('GET', '/api/repls', undefined, { headers });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'EACCES');
      assert.equal((await h.api('POST', '/api/repls', { template: 'node' }, { headers })).status, 401);
    }
    const leaving = await signIn(ide, 'alice');
    const cookie = leaving.header(ide) ?? '';
    assert.equal((await h.api('GET', '/api/repls', undefined, { headers: { cookie } })).status, 200);
    const out = await h.api('POST', '/auth/logout', undefined, { headers: { cookie } });
    assert.equal(out.status, 200);
    assert.match(String(out.body && JSON.stringify(out.body)), /providerLogoutUrl/);
    assert.equal((await h.api('GET', '/api/repls', undefined, { headers: { cookie } })).status, 401);
  });

  test("a repl is its owner's: another user gets 404 on every route and changes nothing; an admin sees and acts on it", async () => {
    const created = await h.api<{ id: string; owner: string; share: string }>(
      'POST',
      '/api/repls',
      { template: 'node', name: 'alices-app' },
      as('alice'),
    );
    assert.equal(created.status, 201);
    aliceRepl = created.body.id;
    assert.equal(created.body.share, 'private');
    const started = await h.api<StartReplResponse>('POST', `/api/repls/${aliceRepl}/start`, undefined, as('alice'));
    assert.equal(started.status, 200);
    aliceStart = started.body;
    // The runner token names the user it was issued to.
    const claims = JSON.parse(Buffer.from(aliceStart.token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
    };
    assert.equal(claims.sub, created.body.owner);
    await h.api('PUT', `/api/repls/${aliceRepl}/env/API_KEY`, { value: 'alice-secret', secret: true }, as('alice'));

    const attempts = routesOf(aliceRepl);
    const nothing = await h.api<ErrorReply>('GET', '/api/repls/zzzzzzzzzzzz', undefined, as('bob'));
    for (const [method, route, body] of attempts) {
      const r = await h.api<ErrorReply>(method, route, body, as('bob'));
      assert.equal(r.status, 404, `${method} ${route}`);
      assert.equal(
        r.body.error.message.replace(aliceRepl, 'ID'),
        nothing.body.error.message.replace('zzzzzzzzzzzz', 'ID'),
      );
    }
    assert.deepEqual((await h.api('GET', '/api/repls', undefined, as('bob'))).body, { repls: [] });
    assert.equal((await h.api('GET', '/api/repls?all=true', undefined, as('bob'))).status, 403);
    const audit = await h.api<{ events: { replId: string }[] }>('GET', '/api/audit', undefined, as('bob'));
    assert.ok(!audit.body.events.some((e) => e.replId === aliceRepl), 'bob reads nothing of alice’s repl');
    // Nothing changed: still running, still private, the variable untouched.
    const still = await h.api<{ state: string; share: string }>(
      'GET',
      `/api/repls/${aliceRepl}`,
      undefined,
      as('alice'),
    );
    assert.equal(still.body.state, 'running');
    assert.equal(still.body.share, 'private');
    const env = await h.api<{ variables: { name: string; secret: boolean }[] }>(
      'GET',
      `/api/repls/${aliceRepl}/env`,
      undefined,
      as('alice'),
    );
    assert.deepEqual(
      env.body.variables.map((v) => [v.name, v.secret]),
      [['API_KEY', true]],
    );

    const all = await h.api<{ repls: { id: string }[] }>('GET', '/api/repls?all=true', undefined, as('root'));
    assert.ok(all.body.repls.some((r) => r.id === aliceRepl));
    assert.equal((await h.api('GET', `/api/repls/${aliceRepl}`, undefined, as('root'))).status, 200);
    const aliceAudit = await h.api<{ events: { actor: string; action: string; replId: string }[] }>(
      'GET',
      `/api/audit?replId=${aliceRepl}`,
      undefined,
      as('alice'),
    );
    const start = aliceAudit.body.events.find((e) => e.action === 'repl.start');
    assert.equal(start?.actor, created.body.owner, 'the audit names the real user');
  });

  test('a page on another origin, or a simple request, cannot change anything with the cookie; other Host names get nothing', async () => {
    const cookie = jars.alice.header(ide) ?? '';
    const attacks: [string, string, Record<string, string>][] = [
      ['POST', `/api/repls/${aliceRepl}/stop`, { origin: previewOf(aliceRepl), 'content-type': 'text/plain' }],
      ['POST', `/api/repls/${aliceRepl}/stop`, { origin: previewOf(aliceRepl), 'content-type': 'application/json' }],
      ['POST', `/api/repls/${aliceRepl}/token`, { origin: 'https://evil.example' }],
      ['DELETE', `/api/repls/${aliceRepl}`, { origin: 'null' }],
      ['POST', '/api/repls', { origin: 'https://evil.example', 'content-type': 'application/json' }],
    ];
    for (const [method, route, headers] of attacks) {
      const r = await httpRequest(`${ide}${route}`, {
        method,
        headers: { cookie, ...headers },
        ...(route === '/api/repls' ? { body: '{"template":"node"}' } : {}),
      });
      assert.equal(r.status, 403, `${method} ${route} ${JSON.stringify(headers)}: ${r.text}`);
    }
    // Same origin but a simple request (a form post): refused too.
    const form = await httpRequest(`${ide}/api/repls/${aliceRepl}/stop`, {
      method: 'POST',
      headers: { cookie, origin: ide, 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 403);
    // DNS rebinding: the same server under a name it does not serve answers nothing.
    const rebound = await httpRequest(`http://127.0.0.1:${h.port}/api/repls`, {
      headers: { cookie, host: `attacker.example:${h.port}` },
    });
    assert.equal(rebound.status, 403);
    const state = await h.api<{ state: string }>('GET', `/api/repls/${aliceRepl}`, undefined, as('alice'));
    assert.equal(state.body.state, 'running');
    const mine = await h.api<{ repls: unknown[] }>('GET', '/api/repls', undefined, as('alice'));
    assert.equal(mine.body.repls.length, 1, 'nothing was created');
  });

  test('a private preview: a browser is sent to sign in, an API client gets 401; its owner gets the app, nobody else does', async () => {
    const socket = await h.connect(aliceStart);
    await socket.emitWithAck('updateContent', { path: 'server.cjs', content: SERVER_JS });
    await socket.emitWithAck('updateContent', {
      path: 'cubicle.json',
      content: JSON.stringify({ run: 'node server.cjs' }),
    });
    await socket.emitWithAck('process:start', { name: 'app' });
    const preview = previewOf(aliceRepl);

    const anonymous = await httpRequest(`${preview}/page?x=1`, { headers: { accept: 'text/html' } });
    assert.equal(anonymous.status, 302);
    const to = new URL(String(anonymous.headers.location));
    assert.equal(to.origin, ide);
    assert.equal(to.pathname, '/auth/preview');
    assert.equal(to.searchParams.get('path'), '/page?x=1');
    const api = await httpRequest(`${preview}/api/data`, { headers: { accept: 'application/json' } });
    assert.equal(api.status, 401);
    assert.doesNotMatch(api.text, /app says/);
    // An unknown repl's preview answers exactly the same: no way to tell which ids exist.
    const unknown = await httpRequest(`${previewOf('zzzzzzzzzzzz')}/page?x=1`, { headers: { accept: 'text/html' } });
    assert.equal(unknown.status, 302);

    // The owner: signed in already, so the hand-off lands on the app, and the app never sees Cubicle's cookie.
    const owner = await browse(jars.alice, `${preview}/page?x=1`);
    await eventually(
      async () => /app says hello/.test((await browse(jars.alice, `${preview}/`)).text),
      20_000,
      'the app answers the owner',
    );
    assert.ok(
      jars.alice.get(preview, 'cubicle_preview'),
      `a cookie for the preview host (${owner.status} ${owner.url})`,
    );
    const seen = await browse(jars.alice, `${preview}/`);
    assert.match(seen.text, /cookies: none/, 'the app never sees Cubicle’s cookies');
    // Another user is sent to sign in, is signed in, and is still refused: not their repl.
    const bob = await browse(jars.bob, `${preview}/`);
    assert.equal(bob.status, 404);
    assert.doesNotMatch(bob.text, /app says/);
    assert.equal(jars.bob.get(preview, 'cubicle_preview'), undefined);
    // A ticket only ever lands on a path of the preview host: `/\\host` is another host to a browser.
    for (const path of ['//evil.example/', '/\\evil.example/']) {
      const refused = await h.api('POST', `/api/repls/${aliceRepl}/preview-ticket`, { path }, as('alice'));
      assert.equal(refused.status, 400, path);
    }
    // A stolen ticket is good once only.
    const ticket = await h.api<{ url: string }>('POST', `/api/repls/${aliceRepl}/preview-ticket`, {}, as('alice'));
    assert.equal((await httpRequest(ticket.body.url)).status, 302);
    assert.equal((await httpRequest(ticket.body.url)).status, 403);
    // CORS preflight reaches the app without a cookie (the app's own API calls work).
    const preflight = await httpRequest(`${preview}/api/data`, {
      method: 'OPTIONS',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['x-preflight'], 'app');
    // The runner's internal routes are not served through the gateway.
    for (const path of ['/metrics', '/activity']) {
      assert.equal((await httpRequest(`http://${aliceRepl}-ws.localhost:${h.port}${path}`)).status, 404, path);
    }
    socket.disconnect();
  });

  test('public by choice: anyone with the link gets the app, but never its output on an error page', async () => {
    const shared = await h.api<{ share: string }>(
      'PUT',
      `/api/repls/${aliceRepl}/share`,
      { share: 'public' },
      as('alice'),
    );
    assert.equal(shared.body.share, 'public');
    const preview = previewOf(aliceRepl);
    const anyone = await httpRequest(`${preview}/`, { headers: { accept: 'text/html' } });
    assert.equal(anyone.status, 200);
    assert.match(anyone.text, /app says hello/);

    const socket = await h.connect(aliceStart);
    await socket.emitWithAck('process:stop', { name: 'app' });
    await socket.emitWithAck('updateContent', {
      path: 'cubicle.json',
      content: JSON.stringify({ run: 'echo "DB_PASSWORD=hunter2 is wrong" >&2; exit 1' }),
    });
    await socket.emitWithAck('process:start', { name: 'app' });
    await eventually(
      async () => /Your app crashed/.test((await browse(jars.alice, `${preview}/`)).text),
      15_000,
      'crash page',
    );
    assert.match((await browse(jars.alice, `${preview}/`)).text, /hunter2/, 'its owner sees the output');
    const stranger = await httpRequest(`${preview}/`, { headers: { accept: 'text/html' } });
    assert.equal(stranger.status, 502);
    assert.match(stranger.text, /Your app crashed/);
    assert.doesNotMatch(stranger.text, /hunter2/);
    socket.disconnect();
    await h.api('PUT', `/api/repls/${aliceRepl}/share`, { share: 'private' }, as('alice'));
    assert.equal((await httpRequest(`${preview}/`, { headers: { accept: 'application/json' } })).status, 401);
  });

  test('personal access tokens: shown once, work as Bearer, stop working when revoked', async () => {
    const made = await h.api<{ token: string; record: { id: string; name: string; lastUsedAt: null } }>(
      'POST',
      '/api/tokens',
      { name: 'ci script', expiresInDays: 30 },
      as('alice'),
    );
    assert.equal(made.status, 201);
    assert.match(made.body.token, /^cub_/);
    const bearer = { headers: { authorization: `Bearer ${made.body.token}` } };
    const listed = await h.api<{ repls: { id: string }[] }>('GET', '/api/repls', undefined, bearer);
    assert.deepEqual(
      listed.body.repls.map((r) => r.id),
      [aliceRepl],
    );
    const tokens = await h.api<{ tokens: { id: string; lastUsedAt: string | null }[] }>(
      'GET',
      '/api/tokens',
      undefined,
      as('alice'),
    );
    assert.equal(tokens.body.tokens.length, 1);
    assert.ok(tokens.body.tokens[0]?.lastUsedAt, 'last used is recorded');
    assert.doesNotMatch(JSON.stringify(tokens.body), /cub_/, 'the list never shows the token');
    assert.deepEqual((await h.api('GET', '/api/tokens', undefined, as('bob'))).body, { tokens: [] });
    assert.equal((await h.api('DELETE', `/api/tokens/${made.body.record.id}`, undefined, as('bob'))).status, 404);
    assert.equal((await h.api('DELETE', `/api/tokens/${made.body.record.id}`, undefined, as('alice'))).status, 204);
    const revoked = await h.api<ErrorReply>('GET', '/api/repls', undefined, bearer);
    assert.equal(revoked.status, 401);
    assert.equal(
      (await h.api('GET', '/api/repls', undefined, { headers: { authorization: 'Bearer cub_nope' } })).status,
      401,
    );
  });

  test('every route refuses no session, a forged cookie, a revoked token and an ended session; nothing changes', async () => {
    const made = await h.api<{ token: string; record: { id: string } }>(
      'POST',
      '/api/tokens',
      { name: 'soon gone' },
      as('alice'),
    );
    await h.api('DELETE', `/api/tokens/${made.body.record.id}`, undefined, as('alice'));
    const ended = await signIn(ide, 'alice');
    await h.api('POST', '/auth/logout', undefined, { headers: { cookie: ended.header(ide) ?? '' } });
    const credentials: [string, Record<string, string>][] = [
      ['no session', {}],
      ['a forged cookie', { cookie: 'cubicle_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
      ['a revoked token', { authorization: `Bearer ${made.body.token}` }],
      ['a signed-out session', { cookie: ended.header(ide) ?? 'cubicle_session=gone' }],
    ];
    const routes: [string, string, unknown][] = [
      ['GET', '/api/me', undefined],
      ['GET', '/api/repls', undefined],
      ['POST', '/api/repls', { template: 'node' }],
      ...routesOf(aliceRepl),
      ['GET', '/api/audit', undefined],
      ['GET', '/api/tokens', undefined],
      ['POST', '/api/tokens', { name: 'sneaky' }],
      ['GET', '/api/users', undefined],
      ['POST', '/api/signing-keys/rotate', undefined],
    ];
    const before = await h.api('GET', `/api/repls/${aliceRepl}`, undefined, as('alice'));
    for (const [what, headers] of credentials) {
      for (const [method, route, body] of routes) {
        const r = await h.api<ErrorReply>(method, route, body, { headers });
        assert.equal(r.status, 401, `${what}: ${method} ${route}`);
      }
      const preview = await httpRequest(`${previewOf(aliceRepl)}/`, {
        headers: { accept: 'application/json', ...headers },
      });
      assert.equal(preview.status, 401, `${what}: the preview`);
    }
    assert.deepEqual((await h.api('GET', `/api/repls/${aliceRepl}`, undefined, as('alice'))).body, before.body);
    assert.equal(
      (await h.api<{ tokens: unknown[] }>('GET', '/api/tokens', undefined, as('alice'))).body.tokens.length,
      0,
    );
  });

  test("the runner host: another user's runner token opens nothing of this repl", async () => {
    const bobs = await h.api<{ id: string }>('POST', '/api/repls', { template: 'shell' }, as('bob'));
    const bobStart = await h.api<StartReplResponse>('POST', `/api/repls/${bobs.body.id}/start`, undefined, as('bob'));
    assert.equal(bobStart.status, 200);
    await assert.rejects(h.connect({ ...aliceStart, token: bobStart.body.token }), 'bob’s token on alice’s runner');
    const api = await httpRequest(`${aliceStart.runnerUrl}/api/processes`, {
      headers: { authorization: `Bearer ${bobStart.body.token}` },
    });
    assert.equal(api.status, 401);
    const own = await h.connect(aliceStart);
    own.disconnect();
    await h.api('DELETE', `/api/repls/${bobs.body.id}`, undefined, as('bob'));
  });

  test('quotas: a clear refusal that names the limit; an admin can raise it, a user cannot', async () => {
    const second = await h.api<{ id: string }>('POST', '/api/repls', { template: 'shell' }, as('alice'));
    assert.equal(second.status, 201);
    const running = await h.api<ErrorReply>('POST', `/api/repls/${second.body.id}/start`, undefined, as('alice'));
    assert.equal(running.status, 403);
    assert.equal(running.body.error.code, 'EQUOTA');
    assert.match(running.body.error.message, /most you may run at once is 1/);
    await h.api('POST', '/api/repls', { template: 'shell' }, as('alice'));
    const fourth = await h.api<ErrorReply>('POST', '/api/repls', { template: 'shell' }, as('alice'));
    assert.equal(fourth.status, 403);
    assert.equal(fourth.body.error.code, 'EQUOTA');
    assert.match(fourth.body.error.message, /most you may have is 3/);

    const me = await h.api<{ user: { id: string } }>('GET', '/api/me', undefined, as('alice'));
    const quota = `/api/users/${me.body.user.id}/quota`;
    assert.equal((await h.api('PUT', quota, { maxRepls: 10, maxRunning: 2 }, as('alice'))).status, 403);
    const raised = await h.api<{ quota: { maxRepls: number; maxRunning: number } }>(
      'PUT',
      quota,
      { maxRepls: 10, maxRunning: 2 },
      as('root'),
    );
    assert.equal(raised.status, 200);
    assert.deepEqual(raised.body.quota, { maxRepls: 10, maxRunning: 2 });
    assert.equal((await h.api('POST', '/api/repls', { template: 'shell' }, as('alice'))).status, 201);
    const users = await h.api<{ users: { email: string | null }[] }>('GET', '/api/users', undefined, as('root'));
    assert.ok(users.body.users.some((u) => u.email === 'bob@example.com'));
    assert.equal((await h.api('GET', '/api/users', undefined, as('bob'))).status, 403);
  });
});

describe('accounts: a session past its absolute lifetime', () => {
  test('is refused everywhere once it has expired, and signing in again works', async () => {
    const stack = await startSignInStack({ SESSION_TTL: '3s' });
    const { h, ide } = stack;
    try {
      const jar = await signIn(ide, 'alice');
      const cookie = { headers: { cookie: jar.header(ide) ?? '' } };
      assert.equal((await h.api('GET', '/api/me', undefined, cookie)).status, 200);
      await eventually(async () => (await h.api('GET', '/api/me', undefined, cookie)).status === 401, 30_000, 'expiry');
      assert.equal((await h.api('POST', '/api/repls', { template: 'node' }, cookie)).status, 401);
      const again = await signIn(ide, 'alice');
      assert.equal(
        (await h.api('GET', '/api/me', undefined, { headers: { cookie: again.header(ide) ?? '' } })).status,
        200,
      );
    } finally {
      await stack.close();
    }
  });
});
