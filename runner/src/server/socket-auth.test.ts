import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forgeToken } from '../test-support/forged-tokens.js';
import { type RunnerHarness, startRunner } from '../test-support/runner-harness.js';
import { makeSigningKey } from '../test-support/test-keys.js';

describe('Socket.io authentication and origins (real runner)', () => {
  let runner: RunnerHarness;
  before(async () => {
    runner = await startRunner({ ALLOWED_ORIGINS: 'http://localhost:8080,http://*.ide.test' });
  });
  after(async () => {
    assert.equal(await runner.stop(), 0);
  });

  const refusal = async (opts: Parameters<RunnerHarness['connect']>[0]) => {
    try {
      const s = await runner.connect(opts);
      s.disconnect();
      return 'connected';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('refuses missing, garbage, unpublished-key, HS256, wrong-repl, expired and wrong-audience tokens', async () => {
    const expired = await forgeToken(runner.key, { repl: runner.replId, expiresIn: -5 });
    const wrongAud = await forgeToken(runner.key, { repl: runner.replId, audience: 'api' });
    const hmac = await forgeToken({ hmacSecret: 'a-guessed-or-stolen-secret' }, { repl: runner.replId });
    assert.equal(await refusal({ token: '' }), 'unauthorized');
    assert.equal(await refusal({ token: 'garbage' }), 'unauthorized');
    assert.equal(await refusal({ token: hmac }), 'unauthorized');
    assert.equal(await refusal({ token: await runner.token({ key: await makeSigningKey() }) }), 'unauthorized');
    assert.equal(await refusal({ token: await runner.token({ replId: 'another-repl' }) }), 'unauthorized');
    assert.equal(await refusal({ token: expired }), 'unauthorized');
    assert.equal(await refusal({ token: wrongAud }), 'unauthorized');
  });

  it('accepts a good token, and browsers only from the allowed origins', async () => {
    assert.equal(await refusal({}), 'connected');
    assert.equal(await refusal({ origin: 'http://localhost:8080' }), 'connected');
    assert.equal(await refusal({ origin: 'http://r1.ide.test' }), 'connected');
    assert.notEqual(await refusal({ origin: 'http://evil.test' }), 'connected');
    assert.notEqual(await refusal({ origin: 'http://localhost:9999' }), 'connected');
  });

  it('answers CORS preflights for allowed origins only, never with "*"', async () => {
    const ask = (origin: string) =>
      fetch(`${runner.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } }).then((r) =>
        r.headers.get('access-control-allow-origin'),
      );
    assert.equal(await ask('http://localhost:8080'), 'http://localhost:8080');
    assert.notEqual(await ask('http://evil.test'), '*');
    assert.notEqual(await ask('http://evil.test'), 'http://evil.test');
  });
});
