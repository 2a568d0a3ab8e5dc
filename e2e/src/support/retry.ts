import { setTimeout as sleep } from 'node:timers/promises';

/** Retries an assertion until it passes; on timeout, throws its last failure (the useful message). */
export async function retryUntilPasses(assertion: () => Promise<void> | void, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}
