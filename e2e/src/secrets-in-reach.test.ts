import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type OrchestratorHarness,
  startOrchestratorHarness,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import { signingKeySecrets } from '@cubicle/orchestrator/test-support/signing-key-secrets';
import type { StartReplResponse } from '@cubicle/protocol';
import { forgeToken } from '@cubicle/runner/test-support/forged-tokens';
import { makeSigningKey } from '@cubicle/runner/test-support/test-keys';
import { ObjectStore } from '@cubicle/storage';
import { Shell } from './support/shell.js';

const asRoot = process.getuid?.() === 0;

/** Cubicle's own installed code, readable in every sandbox by design: public text, not loot (a clone may live under /tmp). */
const INSTALLED = path.resolve(import.meta.dirname, '..', '..');

/** Everything a repl's processes can read, gathered from its own shell, as an attacker would. */
const GATHER = [
  'env',
  'for p in /proc/[0-9]*; do tr "\\0" "\\n" < $p/environ; tr "\\0" " " < $p/cmdline; echo; done',
  'ls -la / /run /run/* /var/lib/cubicle /tmp',
  `find /etc /run /var/lib/cubicle /tmp /workspace -path '${INSTALLED}' -prune -o -type f ! -name loot.txt -print0 2>/dev/null | xargs -0 grep -Ish . | head -c 20000000`,
].join('; ');

describe('no secret within reach of a repl (local sandboxes)', { skip: !asRoot && 'needs root' }, () => {
  let h: OrchestratorHarness;
  let a: string;
  let b: string;
  let startB: StartReplResponse;
  let loot: string;
  before(async () => {
    h = await startOrchestratorHarness({ SANDBOX: 'bwrap' });
    [a, b] = [await h.create('node'), await h.create('node')];
    const startA = await h.start(a);
    startB = await h.start(b);
    const shell = await Shell.open(await h.connect(startA));
    await shell.run(`{ ${GATHER}; } > loot.txt 2>/dev/null`, 60_000);
    loot = fs.readFileSync(path.join(h.dataDir, 'sandboxes', a, 'workspace', 'loot.txt'), 'utf8');
  });
  after(() => h.close());

  test('what a repl can read holds no signing key and no storage credential', () => {
    assert.ok(loot.length > 1000, 'the gathering worked');
    assert.match(loot, /RUNNER_KEYS_FILE=/, 'the runner environment was read');
    for (const secret of signingKeySecrets(h.dataDir)) assert.ok(!loot.includes(secret), 'a private signing key');
    assert.ok(!loot.includes(h.s3Credentials.secretAccessKey), 'the storage secret key');
    assert.doesNotMatch(loot, /AWS_SECRET_ACCESS_KEY=|RUNNER_TOKEN_SECRET=/);
  });

  test("every string it found fails as a signing secret and as storage keys for another repl's objects", async () => {
    const candidates = [...new Set(loot.match(/[A-Za-z0-9_\-+/=.]{16,200}/g) ?? [])];
    assert.ok(candidates.length > 10);
    const sample = candidates.filter((_, i) => i % Math.ceil(candidates.length / 40) === 0); // bounded in time
    for (const secret of sample) {
      const forged = await forgeToken({ hmacSecret: secret }, { repl: b });
      await assert.rejects(h.connect({ ...startB, token: forged }), /unauthorized/, 'an HS256 token');
      const store = new ObjectStore(
        {
          endpoint: h.s3Endpoint,
          region: 'us-east-1',
          bucket: h.store.bucket,
          credentials: { accessKeyId: h.s3Credentials.accessKeyId, secretAccessKey: secret },
          forcePathStyle: true,
        },
        { maxAttempts: 1 },
      );
      await assert.rejects(store.listKeys(`code/${b}/`), 'storage with a found string as the key');
      store.destroy();
    }
    // A token signed with a key of the attacker's own, named like the real one, is refused too.
    const own = await makeSigningKey(
      JSON.parse(Buffer.from(startB.token.split('.')[0] ?? '', 'base64url').toString()).kid,
    );
    await assert.rejects(h.connect({ ...startB, token: await forgeToken(own, { repl: b }) }), /unauthorized/);
  });
});
