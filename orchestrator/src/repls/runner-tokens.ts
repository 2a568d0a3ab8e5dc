import type { RunnerToken } from '@cubicle/protocol';
import { mintRunnerToken } from '@cubicle/runner/token';
import type { SigningKeys } from '../auth/signing-keys.js';

/** Issues the runner tokens the API hands out (and the driver's own, for POST /flush). */
export class RunnerTokens {
  constructor(
    private readonly keys: SigningKeys,
    private readonly ttlMs: number,
  ) {}

  async issue(replId: string, user: string, ttlMs = this.ttlMs): Promise<RunnerToken> {
    const ttlSeconds = Math.max(1, Math.round(Math.min(ttlMs, this.ttlMs) / 1000));
    const { privateKey, kid } = await this.keys.current();
    const token = await mintRunnerToken({ privateKey, kid, replId, user, ttlSeconds });
    return { token, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
  }
}
