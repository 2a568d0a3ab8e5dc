import path from 'node:path';
import Database from 'better-sqlite3';

/** The private halves of the orchestrator's signing keys (`d` of each JWK): what must never reach a repl. */
export function signingKeySecrets(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'orchestrator.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT private_jwk FROM signing_keys').all() as { private_jwk: string }[];
    return rows.map((r) => (JSON.parse(r.private_jwk) as { d: string }).d);
  } finally {
    db.close();
  }
}
