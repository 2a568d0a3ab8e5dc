import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // GCM's standard nonce
const TAG_BYTES = 16;
const VERSION = 'v1';

/**
 * Encryption at rest for a repl's secrets: AES-256-GCM with a fresh nonce per value, and the
 * value's place (`repl/name`) as additional data, so a sealed value copied to another row or
 * repl fails to open instead of leaking there. The key is SECRETS_KEY (32 bytes, base64: one
 * key for a cluster, from a Kubernetes Secret) or else a key file made once in DATA_DIR (0600).
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== KEY_BYTES) throw new Error(`SECRETS_KEY must be ${KEY_BYTES} bytes (base64), not ${key.length}`);
    return new SecretBox(key);
  }

  /** The key file in `dataDir`, created on first use. */
  static inDataDir(dataDir: string): SecretBox {
    const file = path.join(dataDir, 'secrets.key');
    try {
      fs.writeFileSync(file, randomBytes(KEY_BYTES), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return SecretBox.fromKey(fs.readFileSync(file));
  }

  seal(plaintext: string, place: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(place));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** Throws when the value was sealed for another place, with another key, or tampered with. */
  open(sealed: string, place: string): string {
    const [version, data] = sealed.split(':');
    if (version !== VERSION || !data) throw new Error('not a sealed value');
    const raw = Buffer.from(data, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES)).setAAD(Buffer.from(place));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}
