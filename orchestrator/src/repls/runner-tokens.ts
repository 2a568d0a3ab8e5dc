import type { RunnerToken } from '@cubicle/protocol';
import { mintRunnerToken } from '@cubicle/runner/token';

/** Issues the runner tokens the API hands out (and the driver's own, for POST /flush). */
export class RunnerTokens {
  constructor(
    private readonly secret: string,
    private readonly ttlMs: number,
  ) {}

  async issue(replId: string, user: string, ttlMs = this.ttlMs): Promise<RunnerToken> {
    const ttlSeconds = Math.max(1, Math.round(ttlMs / 1000));
    const token = await mintRunnerToken({ secret: this.secret, replId, user, ttlSeconds });
    return { token, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
  }
}
