import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forgeToken } from '../test-support/forged-tokens.js';
import { bearerToken, mintRunnerToken, verifyRunnerToken } from './runner-token.js';

const secret = 'a-secret-of-enough-length';

describe('runner tokens', () => {
  it('accepts a token for this repl and refuses every other kind', async () => {
    const good = await mintRunnerToken({ secret, replId: 'r1', user: 'ann', ttlSeconds: 60 });
    assert.equal((await verifyRunnerToken(good, secret, 'r1'))?.sub, 'ann');
    assert.equal(await verifyRunnerToken(good, secret, 'r2'), null, 'other repl');
    assert.equal(await verifyRunnerToken(good, 'another-secret-entirely', 'r1'), null, 'wrong secret');
    assert.equal(await verifyRunnerToken(undefined, secret, 'r1'), null, 'missing');
    assert.equal(await verifyRunnerToken('not.a.jwt', secret, 'r1'), null, 'garbage');
    const expired = await forgeToken(secret, { repl: 'r1', expiresIn: -10 });
    assert.equal(await verifyRunnerToken(expired, secret, 'r1'), null, 'expired');
    const wrongAud = await forgeToken(secret, { repl: 'r1', audience: 'orchestrator' });
    assert.equal(await verifyRunnerToken(wrongAud, secret, 'r1'), null, 'wrong audience');
    const noExp = await forgeToken(secret, { repl: 'r1', expiresIn: null });
    assert.equal(await verifyRunnerToken(noExp, secret, 'r1'), null, 'no expiry');
  });

  it('reads bearer headers', () => {
    assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
