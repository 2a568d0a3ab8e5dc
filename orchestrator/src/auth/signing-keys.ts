import { randomBytes } from 'node:crypto';
import type { KeyRotation, RunnerKeySet, RunnerPublicKey } from '@cubicle/protocol';
import { generateRunnerKey } from '@cubicle/runner/token';
import { type CryptoKey, importJWK, type JWK } from 'jose';
import type { Db } from '../state/database.js';

type KeyState = 'next' | 'current' | 'retired';
interface Row {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  state: KeyState;
  created_at: string;
  retired_at: string | null;
}

/** The key that signs runner tokens now. */
export interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
}

/**
 * The orchestrator's runner-token signing keys (Ed25519), kept in its database (0600, never in
 * a sandbox). Runners only ever see the public halves (`publicSet`). Three kinds of key exist:
 * `current` signs; `next` is published before it signs, so runners that read the key set late
 * (a ConfigMap update takes a minute) already trust it when a rotation makes it current; a
 * `retired` key stays published until every token it signed has expired.
 */
export class SigningKeys {
  private active: ActiveKey | null = null;

  constructor(
    private readonly db: Db,
    /** The longest a runner token lives: how long a retired key must stay published. */
    private readonly maxTokenTtlMs: number,
  ) {}

  /** Makes the first keys on a new database; drops retired keys whose tokens have all expired. */
  async init(): Promise<void> {
    if (!this.row('current')) await this.insert('current');
    if (!this.row('next')) await this.insert('next');
    this.dropExpired();
    this.active = null;
  }

  async current(): Promise<ActiveKey> {
    if (this.active) return this.active;
    const row = this.row('current');
    if (!row) throw new Error('no current signing key (init() not called)');
    const privateKey = (await importJWK(JSON.parse(row.private_jwk) as JWK, 'EdDSA')) as CryptoKey;
    this.active = { kid: row.kid, privateKey };
    return this.active;
  }

  /** Next becomes current, current retires, a new next is made. Returns the three key ids. */
  async rotate(): Promise<KeyRotation> {
    const created = await this.generate();
    const now = new Date().toISOString();
    const before = { current: this.row('current')?.kid ?? '', next: this.row('next')?.kid ?? '' };
    this.db.transaction(() => {
      this.db.prepare("UPDATE signing_keys SET state = 'retired', retired_at = ? WHERE state = 'current'").run(now);
      this.db.prepare("UPDATE signing_keys SET state = 'current' WHERE state = 'next'").run();
      this.store(created, 'next');
    })();
    this.active = null;
    this.dropExpired();
    return { retired: before.current, current: before.next, next: created.kid };
  }

  /** What runners may trust: the public halves of current, next and unexpired retired keys. */
  publicSet(): RunnerKeySet {
    const rows = this.db.prepare('SELECT public_jwk FROM signing_keys ORDER BY created_at DESC').all() as Row[];
    return { keys: rows.map((r) => JSON.parse(r.public_jwk) as RunnerPublicKey) };
  }

  private row(state: 'next' | 'current'): Row | undefined {
    return this.db.prepare('SELECT * FROM signing_keys WHERE state = ?').get(state) as Row | undefined;
  }

  private dropExpired(): void {
    const cutoff = new Date(Date.now() - this.maxTokenTtlMs).toISOString();
    this.db.prepare("DELETE FROM signing_keys WHERE state = 'retired' AND retired_at < ?").run(cutoff);
  }

  private async insert(state: KeyState): Promise<void> {
    this.store(await this.generate(), state);
  }

  private generate(): Promise<{ kid: string; privateJwk: JWK; publicJwk: RunnerPublicKey }> {
    return generateRunnerKey(`k-${new Date().toISOString().slice(0, 10)}-${randomBytes(6).toString('hex')}`);
  }

  private store(k: { kid: string; privateJwk: JWK; publicJwk: RunnerPublicKey }, state: KeyState): void {
    this.db
      .prepare('INSERT INTO signing_keys (kid, private_jwk, public_jwk, state, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(k.kid, JSON.stringify(k.privateJwk), JSON.stringify(k.publicJwk), state, new Date().toISOString());
  }
}
