import { randomBytes } from 'node:crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ALPHABET = `${LETTERS}0123456789`;

/** A new repl id: a letter then 11 letters or digits (REPL_ID_PATTERN; ~57 bits of randomness). */
export function newReplId(): string {
  const bytes = randomBytes(12);
  let id = LETTERS[(bytes[0] ?? 0) % LETTERS.length] ?? 'r';
  for (let i = 1; i < 12; i++) id += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return id;
}
