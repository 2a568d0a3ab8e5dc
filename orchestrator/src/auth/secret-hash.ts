import { createHash, randomBytes } from 'node:crypto';

/** Sessions, access tokens, tickets and preview grants are stored as this digest of their secret, never the secret. */
export const secretHash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** 32 random bytes, URL-safe: a bearer secret nobody guesses. */
export const newSecret = (prefix = '') => prefix + randomBytes(32).toString('base64url');
