import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RunnerKeySet, RunnerPublicKey } from '@cubicle/protocol';
import type { CryptoKey } from 'jose';
import { generateRunnerKey } from '../auth/runner-token.js';

/** An Ed25519 signing key as the orchestrator keeps one: private half, key id, public JWK. */
export interface TestSigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: RunnerPublicKey;
}

export async function makeSigningKey(kid = `k${randomBytes(4).toString('hex')}`): Promise<TestSigningKey> {
  const { privateKey, publicJwk } = await generateRunnerKey(kid);
  return { kid, privateKey, publicJwk };
}

/** Writes a key set the way the orchestrator publishes one (a new file renamed over the old). */
export function writeKeySet(file: string, keys: TestSigningKey[]): void {
  const set: RunnerKeySet = { keys: keys.map((k) => k.publicJwk) };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.new`, JSON.stringify(set));
  fs.renameSync(`${file}.new`, file);
}
