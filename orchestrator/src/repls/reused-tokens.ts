import type { RunnerToken } from '@cubicle/protocol';

/** Reuse a token while it has at least this long to live. */
const MARGIN_MS = 60_000;

/** Runner tokens per repl, minted once and reused until close to expiry (signing on every request is waste). */
export class ReusedTokens {
  private readonly cache = new Map<string, RunnerToken>();

  constructor(private readonly mint: (replId: string) => Promise<RunnerToken>) {}

  async get(replId: string): Promise<string> {
    const cached = this.cache.get(replId);
    if (cached && Date.parse(cached.expiresAt) - Date.now() > MARGIN_MS) return cached.token;
    const fresh = await this.mint(replId);
    this.cache.set(replId, fresh);
    return fresh.token;
  }
}
