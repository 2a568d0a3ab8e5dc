import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditList, EnvList, ReplList, ReplRecord, RunnerToken, TemplateList } from '@cubicle/protocol';
import { httpRequest } from '../test-support/localhost.js';
import { type OrchestratorHarness, startOrchestratorHarness } from '../test-support/orchestrator-harness.js';

const TEMPLATES = path.resolve(import.meta.dirname, '..', '..', '..', 'templates');
type ErrorReply = { error: { code: string; message: string } };

describe('orchestrator REST API over HTTP', () => {
  let h: OrchestratorHarness;
  before(async () => {
    h = await startOrchestratorHarness();
  });
  after(() => h.close());

  test('lists the four templates, and base/<template>/ holds each folder', async () => {
    const r = await h.api('GET', '/api/templates');
    assert.equal(r.status, 200);
    const names = TemplateList.parse(r.body).templates.map((t) => t.name);
    assert.deepEqual(names, ['node', 'python', 'static', 'shell']);
    const base: string[] = [];
    for await (const o of h.store.list('base/node/')) base.push(o.key.slice('base/node/'.length));
    assert.deepEqual(base.sort(), fs.readdirSync(path.join(TEMPLATES, 'node')).sort());
  });

  test('create → get → list → token → audit; the template is copied to code/<id>/ with modes', async () => {
    const created = await h.api('POST', '/api/repls', { template: 'shell', name: 'My script' });
    assert.equal(created.status, 201);
    const repl = ReplRecord.parse(created.body);
    assert.equal(repl.state, 'stopped');
    assert.equal(repl.name, 'My script');
    assert.equal(repl.runnerUrl, null);
    const objects = await h.objects(repl.id);
    assert.equal(objects.get('main.sh'), fs.readFileSync(path.join(TEMPLATES, 'shell', 'main.sh'), 'utf8'));
    assert.equal((await h.store.head(`code/${repl.id}/main.sh`))?.meta.mode, '755');

    assert.deepEqual((await h.api('GET', `/api/repls/${repl.id}`)).body, repl);
    const list = ReplList.parse((await h.api('GET', '/api/repls')).body);
    assert.ok(list.repls.some((r) => r.id === repl.id));

    const t = await h.api('POST', `/api/repls/${repl.id}/token`);
    assert.equal(t.status, 200);
    const { token, expiresAt } = RunnerToken.parse(t.body);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    assert.equal(claims.repl, repl.id);
    assert.equal(claims.aud, 'runner');
    assert.ok(Date.parse(expiresAt) > Date.now());

    const audit = AuditList.parse((await h.api('GET', `/api/audit?replId=${repl.id}`)).body);
    assert.deepEqual(
      audit.events.map((e) => e.action),
      ['token.issue', 'repl.create'],
    );
    assert.equal(audit.events[1]?.actor, 'local');
    const one = AuditList.parse((await h.api('GET', `/api/audit?replId=${repl.id}&limit=1`)).body);
    assert.equal(one.events.length, 1);
  });

  test('delete removes the record and every object; the audit keeps it', async () => {
    const id = await h.create('static');
    assert.ok((await h.objects(id)).size > 0);
    const r = await h.api('DELETE', `/api/repls/${id}`);
    assert.equal(r.status, 204);
    assert.equal((await h.objects(id)).size, 0);
    assert.equal((await h.api('GET', `/api/repls/${id}`)).status, 404);
    const audit = AuditList.parse((await h.api('GET', `/api/audit?replId=${id}`)).body);
    assert.equal(audit.events[0]?.action, 'repl.delete');
  });

  test('bad input: a clear 4xx with { error: { code, message } }, and nothing is created', async () => {
    const reposBefore = ReplList.parse((await h.api('GET', '/api/repls')).body).repls.length;
    const objectsBefore = await h.store.listKeys('code/');

    const cases: [string, string, unknown, { raw?: string; headers?: Record<string, string> }, number, string][] = [
      ['unknown template', '/api/repls', { template: 'cobol' }, {}, 400, 'EINVAL'],
      ['template with path characters', '/api/repls', { template: '../node' }, {}, 400, 'EINVAL'],
      ['malformed JSON', '/api/repls', undefined, { raw: '{"template": "node"' }, 400, 'EINVAL'],
      ['wrong type', '/api/repls', { template: 5 }, {}, 400, 'EINVAL'],
      ['name of the wrong type', '/api/repls', { template: 'node', name: ['x'] }, {}, 400, 'EINVAL'],
      ['unknown field', '/api/repls', { template: 'node', owner: 'root' }, {}, 400, 'EINVAL'],
      ['name too long', '/api/repls', { template: 'node', name: 'x'.repeat(65) }, {}, 400, 'EINVAL'],
      ['control characters in the name', '/api/repls', { template: 'node', name: 'a\u0007b' }, {}, 400, 'EINVAL'],
      ['a JSON array', '/api/repls', [{ template: 'node' }], {}, 400, 'EINVAL'],
      ['no body', '/api/repls', undefined, {}, 400, 'EINVAL'],
      [
        'a body that is not JSON',
        '/api/repls',
        undefined,
        { raw: 'template=node', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        400,
        'EINVAL',
      ],
      [
        'oversized body',
        '/api/repls',
        undefined,
        { raw: JSON.stringify({ template: 'node', name: 'x'.repeat(60_000) }) },
        413,
        'E2BIG',
      ],
    ];
    for (const [what, route, body, opts, status, code] of cases) {
      const r = await h.api<ErrorReply>('POST', route, body, opts);
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, what);
      assert.ok(r.body.error.message.length > 0, what);
    }

    const unknown = 'abcdefghijkl';
    for (const [method, route] of [
      ['GET', `/api/repls/${unknown}`],
      ['DELETE', `/api/repls/${unknown}`],
      ['POST', `/api/repls/${unknown}/start`],
      ['POST', `/api/repls/${unknown}/stop`],
      ['POST', `/api/repls/${unknown}/token`],
    ] as const) {
      const r = await h.api<ErrorReply>(method, route);
      assert.equal(r.status, 404, `${method} ${route}`);
      assert.equal(r.body.error.code, 'ENOENT');
    }
    for (const bad of ['..%2F..%2Fetc', 'ABCDEFGHIJKL', 'abc-def-ghij', 'a%00bcdefghijk', 'x'.repeat(300)]) {
      for (const [method, route] of [
        ['GET', `/api/repls/${bad}`],
        ['POST', `/api/repls/${bad}/start`],
        ['DELETE', `/api/repls/${bad}`],
      ] as const) {
        const r = await h.api<ErrorReply>(method, route);
        assert.equal(r.status, 400, `${method} ${route}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'EINVAL');
      }
    }
    const badQuery = await h.api<ErrorReply>('GET', '/api/audit?limit=0');
    assert.equal(badQuery.status, 400);
    const noRoute = await h.api<ErrorReply>('GET', '/api/nothing-here');
    assert.equal(noRoute.status, 404);
    assert.equal(noRoute.body.error.code, 'ENOENT');

    assert.equal(ReplList.parse((await h.api('GET', '/api/repls')).body).repls.length, reposBefore);
    const objectsAfter = await h.store.listKeys('code/');
    assert.deepEqual(objectsAfter, objectsBefore);
  });

  test('variables and secrets: set, listed without secret values, refused when bad, sealed on disk, gone with the repl', async () => {
    const id = ReplRecord.parse((await h.api('POST', '/api/repls', { template: 'shell' })).body).id;
    const secret = `sealed-${Date.now()}`;
    const set = await h.api('PUT', `/api/repls/${id}/env/DB_PASSWORD`, { value: secret });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    await h.api('PUT', `/api/repls/${id}/env/MODE`, { value: 'dev', secret: false });
    const list = EnvList.parse((await h.api('GET', `/api/repls/${id}/env`)).body);
    assert.deepEqual(
      list.variables.map((v) => [v.name, v.secret, v.value]),
      [
        ['DB_PASSWORD', true, null],
        ['MODE', false, 'dev'],
      ],
    );
    for (const [name, body, code] of [
      ['PORT', { value: '1' }, 'EINVAL'],
      ['1BAD', { value: '1' }, 'EINVAL'],
      ['OK', { value: 5 }, 'EINVAL'],
      ['BIG', { value: 'x'.repeat(17 * 1024) }, 'EINVAL'],
    ] as const) {
      const r = await h.api<ErrorReply>('PUT', `/api/repls/${id}/env/${name}`, body);
      assert.equal(r.body.error.code, code, `${name}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await h.api('PUT', '/api/repls/zzzzzzzzzzzz/env/A', { value: '1' })).status, 404);
    assert.equal((await h.api('GET', '/api/imports/no-such-import')).status, 404);
    assert.equal((await h.api('GET', '/api/imports/bad!')).status, 400);
    assert.equal((await h.api('DELETE', `/api/repls/${id}/env/NOPE`)).status, 404);
    for (const file of fs.readdirSync(h.dataDir).filter((f) => f.startsWith('orchestrator.db'))) {
      assert.ok(!fs.readFileSync(path.join(h.dataDir, file)).includes(secret), `plain text in ${file}`);
    }
    const events = AuditList.parse((await h.api('GET', `/api/audit?replId=${id}`)).body).events;
    assert.ok(events.some((e) => e.action === 'env.set' && e.detail.name === 'DB_PASSWORD'));
    assert.ok(!JSON.stringify(events).includes(secret), 'the audit names the variable, never its value');
    assert.equal((await h.api('DELETE', `/api/repls/${id}/env/MODE`)).status, 204);
    assert.equal((await h.api('DELETE', `/api/repls/${id}`)).status, 204);
    await h.api('POST', '/api/repls', { template: 'shell' }); // (a new repl never inherits them)
    assert.equal((await h.api('GET', `/api/repls/${id}/env`)).status, 404);
  });

  test('OpenAPI document describes every route with the schemas that validate it', async () => {
    const r = await h.api<{ openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> }>(
      'GET',
      '/api/openapi.json',
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.0.3');
    const ops = Object.entries(r.body.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m} ${p}`));
    for (const op of [
      'get /api/templates',
      'post /api/repls',
      'get /api/repls',
      'get /api/repls/{id}',
      'delete /api/repls/{id}',
      'post /api/repls/{id}/start',
      'post /api/repls/{id}/stop',
      'post /api/repls/{id}/token',
      'get /api/audit',
    ]) {
      assert.ok(ops.includes(op), `${op} missing from ${ops.join(', ')}`);
    }
    const create = JSON.stringify(r.body.paths['/api/repls']?.post?.requestBody);
    assert.match(create, /"template"/);
    assert.match(create, /"additionalProperties":false/);
    const start = JSON.stringify(r.body.paths['/api/repls/{id}/start']?.post);
    assert.match(start, /\^\[a-z\]\[a-z0-9\]\{11\}\$/); // the id pattern from protocol/
    assert.match(start, /"runnerUrl"/);
  });

  test('probes, metrics, and the IDE at / and at its client-side routes', async () => {
    assert.equal((await h.api('GET', '/healthz')).status, 200);
    assert.deepEqual((await h.api('GET', '/readyz')).body, { status: 'ok' });
    const metrics = await h.api<string>('GET', '/metrics');
    assert.match(metrics.body, /cubicle_repls\{state="stopped"\} \d+/);
    // `pnpm test` builds frontend/dist first; a deep link gets the same page (the IDE routes itself).
    for (const route of ['/', '/repl/abcdefabcdef?terms=t1']) {
      const page = await h.api<string>('GET', route);
      assert.equal(page.status, 200, route);
      assert.match(page.body, /<div id="root">/, route);
    }
    assert.equal((await h.api('GET', '/api/no-such-route')).status, 404);

    // Its hashed assets: gzipped, cached for good; a missing one is a 404, not the page.
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(String((await h.api('GET', '/')).body))?.[1];
    assert.ok(script, 'index.html names its entry script');
    const asset = await httpRequest(h.url + script, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers['content-encoding'], 'gzip');
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assert.equal((await h.api('GET', '/assets/no-such-file.js')).status, 404);
  });

  test('the data folder: nobody but the orchestrator lists it or reads its database (and signing keys)', () => {
    const mode = (p: string) => fs.statSync(path.join(h.dataDir, p)).mode & 0o777;
    assert.equal(mode(''), 0o711); // sandbox users pass through to their own folder, list nothing
    for (const file of ['orchestrator.db', 'orchestrator.db-wal']) {
      assert.equal(mode(file), 0o600, file);
    }
  });

  test('odd URLs are a 4xx with a JSON error, never a 500', async () => {
    for (const [route, status] of [
      ['/api/repls/%', 400], // not a valid percent-encoding
      ['/api/repls/%E0%A4%A', 400],
      ['/assets/..%2f..%2fpackage.json', 404],
      [`/assets/${'a'.repeat(256)}.js`, 404], // longer than a file name can be
      [`/${'a'.repeat(256)}`, 200], // a client-side route: the IDE page
    ] as const) {
      const r = await h.api<ErrorReply | string>('GET', route);
      assert.equal(r.status, status, `${route}: ${JSON.stringify(r.body)}`);
      if (status !== 200) assert.ok(typeof r.body === 'object' && r.body.error.message.length > 0, route);
    }
    assert.equal((await h.api('GET', '/readyz')).status, 200, 'still serving');
  });
});

describe('orchestrator API with ORCHESTRATOR_TOKEN', () => {
  let h: OrchestratorHarness;
  const TOKEN = 'a-long-enough-test-token-1234';
  before(async () => {
    h = await startOrchestratorHarness({ ORCHESTRATOR_TOKEN: TOKEN });
  });
  after(() => h.close());

  test('the API needs the bearer token; probes do not', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-wrong-token' },
      { authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const r = await h.api<ErrorReply>('GET', '/api/repls', undefined, { headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.body.error.code, 'EACCES');
    }
    const refused = await h.api<ErrorReply>('POST', '/api/repls', { template: 'node' });
    assert.equal(refused.status, 401);
    const ok = await h.api('GET', '/api/repls', undefined, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { repls: [] });
    assert.equal((await h.api('GET', '/healthz')).status, 200);
    assert.equal((await h.api('GET', '/metrics')).status, 401);
    // The IDE's sign-in redirect has nowhere to go without AUTH=oidc: a page that says so, not a loop.
    const login = await h.api<string>('GET', '/auth/login?return=/');
    assert.equal(login.status, 401);
    assert.match(login.body, /AUTH=oidc/);
  });
});
