import { keySyntaxProblem, type S3Operation } from './s3-request.js';

/**
 * What one repl may do in the bucket (docs/security.md, "Storage"): its own objects under
 * `code/<id>/` and `runs/<id>/`, and nothing else. An operation is judged on every key it names:
 * its target, its copy source, its listing prefix, and (for a batch delete) every key in its body.
 */

export function replPrefixes(replId: string): string[] {
  return [`code/${replId}/`, `runs/${replId}/`];
}

/** A key the repl owns: under one of its prefixes, and one the broker would send as it is. */
export function keyInScope(key: string, prefixes: string[]): boolean {
  return prefixes.some((p) => key.startsWith(p)) && keySyntaxProblem(key, { trailingSlash: true }) === null;
}

/** Why this repl may not do `operation`, or null when it may. */
export function scopeProblem(operation: S3Operation, prefixes: string[]): string | null {
  const outside = (key: string) => `key ${JSON.stringify(key)} is outside this repl`;
  switch (operation.op) {
    case 'HeadBucket':
    case 'DeleteObjects':
      return null; // a batch's keys are judged once its body is read
    case 'ListObjectsV2':
      return prefixes.some((p) => operation.params.prefix.startsWith(p))
        ? null
        : `listing is limited to ${prefixes.join(' and ')}`;
    case 'CopyObject':
      if (!keyInScope(operation.sourceKey, prefixes)) return 'the copy source is outside this repl';
      return keyInScope(operation.key, prefixes) ? null : outside(operation.key);
    default:
      return keyInScope(operation.key, prefixes) ? null : outside(operation.key);
  }
}
