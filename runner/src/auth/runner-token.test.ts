import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { forgeToken } from '../test-support/forged-tokens.js';
import { makeSigningKey, writeKeySet } from '../test-support/test-keys.js';
import { bearerToken, mintRunnerToken, RunnerKeyRing } from './runner-token.js';

describe('runner tokens', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-keys-test-'));
  const file = path.join(dir, 'jwks.json');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts a token for this repl and refuses every other kind', async () => {
    const key = await makeSigningKey();
    const stranger = await makeSigningKey(key.kid); // same key id, another key: a forgery
    writeKeySet(file, [key]);
    const ring = new RunnerKeyRing(file);
    ring.load();
    const mint = (k = key, replId = 'r1') =>
      mintRunnerToken({ privateKey: k.privateKey, kid: k.kid, replId, user: 'ann', ttlSeconds: 60 });
    assert.equal((await ring.verify(await mint(), 'r1'))?.sub, 'ann');
    assert.equal(await ring.verify(await mint(key, 'r2'), 'r1'), null, 'other repl');
    assert.equal(await ring.verify(await mint(stranger), 'r1'), null, 'a key that is not published');
    assert.equal(await ring.verify(undefined, 'r1'), null, 'missing');
    assert.equal(await ring.verify('not.a.jwt', 'r1'), null, 'garbage');
    for (const [what, forged] of [
      ['expired', await forgeToken(key, { repl: 'r1', expiresIn: -10 })],
      ['wrong audience', await forgeToken(key, { repl: 'r1', audience: 'orchestrator' })],
      ['wrong issuer', await forgeToken(key, { repl: 'r1', issuer: 'someone-else' })],
      ['no expiry', await forgeToken(key, { repl: 'r1', expiresIn: null })],
      ['HS256 with a guessed secret', await forgeToken({ hmacSecret: 'anything-at-all' }, { repl: 'r1' })],
      ['HS256 keyed with the public key itself', await forgeToken({ hmacSecret: key.publicJwk.x }, { repl: 'r1' })],
    ] as const) {
      assert.equal(await ring.verify(forged, 'r1'), null, what);
    }
  });

  it('follows rotations in the key file without a restart: new keys at once, retired keys go', async () => {
    const [old, next] = [await makeSigningKey(), await makeSigningKey()];
    writeKeySet(file, [old]);
    const ring = new RunnerKeyRing(file);
    ring.load();
    const mint = (k: typeof old) =>
      mintRunnerToken({ privateKey: k.privateKey, kid: k.kid, replId: 'r1', user: 'ann', ttlSeconds: 60 });
    const oldToken = await mint(old);
    assert.ok(await ring.verify(oldToken, 'r1'));
    writeKeySet(file, [next, old]); // rotated: the new key signs, the old one is still published
    assert.ok(await ring.verify(await mint(next), 'r1'), 'a token from the new key, right away');
    assert.ok(await ring.verify(oldToken, 'r1'), 'old tokens until they expire');
    writeKeySet(file, [next]); // the old key is withdrawn
    await new Promise((r) => setTimeout(r, 1100)); // the ring looks again after KEYS_RELOAD_MIN_MS
    assert.equal(await ring.verify(oldToken, 'r1'), null, 'a withdrawn key is no longer trusted');
  });

  it('reads bearer headers', () => {
    assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
