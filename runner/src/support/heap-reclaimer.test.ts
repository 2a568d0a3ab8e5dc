import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, sleep } from '../test-support/runner-harness.js';
import { HeapReclaimer } from './heap-reclaimer.js';

describe('HeapReclaimer', () => {
  it('collects once, after a lot of work has been quiet for a while, and not for a little work', async () => {
    let collections = 0;
    const reclaimer = new HeapReclaimer(
      async () => {
        collections++;
      },
      1000,
      50,
      () => 0, // (nothing left outside the heap: a young-generation collection only)
    );
    const started = performance.now();
    reclaimer.note(600);
    reclaimer.note(600); // enough work: a collection is due once it goes quiet
    const noteAgainAt = started + 30;
    while (performance.now() < noteAgainAt) await new Promise((r) => setImmediate(r));
    reclaimer.note(10); // still busy: the quiet period starts over
    await eventually(() => collections === 1 || undefined);
    assert.ok(performance.now() - noteAgainAt >= 50, 'waited for quiet after the last work');
    reclaimer.note(100); // little work since: nothing more to collect
    await sleep(120);
    assert.equal(collections, 1);
    reclaimer.dispose();
  });

  it('collects the young generation at once when asked, and nothing more', async () => {
    const kinds: unknown[] = [];
    const reclaimer = new HeapReclaimer(
      async (options) => {
        kinds.push(options);
      },
      1000,
      10,
    );
    reclaimer.collectYoung();
    assert.deepEqual(kinds, [{ type: 'minor' }]);
    await sleep(40);
    assert.equal(kinds.length, 1, 'no collection of the whole heap follows');
    reclaimer.dispose();
  });

  it('collects the whole heap after the young generation only while buffers hold more than it last left', async () => {
    const kinds: unknown[] = [];
    let external = 1_000_000;
    const reclaimer = new HeapReclaimer(
      async (options) => {
        kinds.push(typeof options === 'object' ? options.type : options);
      },
      100,
      10,
      () => external,
      10_000_000,
    );
    const collectAfterWork = async (expected: string[], why: string) => {
      kinds.length = 0;
      reclaimer.note(200);
      await eventually(() => kinds.length > 0 || undefined);
      await sleep(30); // (anything more would follow at once)
      assert.deepEqual(kinds, expected, why);
    };
    await collectAfterWork(['minor'], 'little memory outside the heap');
    external = 50_000_000;
    await collectAfterWork(['minor', 'major'], 'much more than after the last full collection');
    await collectAfterWork(['minor'], 'the same as the last full collection left: live buffers');
    external = 65_000_000;
    await collectAfterWork(['minor', 'major'], 'grown again');
    external = 20_000_000;
    await collectAfterWork(['minor'], 'less than before: some live buffers went away');
    external = 35_000_000;
    await collectAfterWork(['minor', 'major'], 'grown from what is live now');
    reclaimer.dispose();
  });

  it('does nothing where gc is not exposed', () => {
    const reclaimer = new HeapReclaimer(undefined, 1, 1);
    reclaimer.note(10);
    reclaimer.collectYoung();
    reclaimer.dispose();
  });
});
