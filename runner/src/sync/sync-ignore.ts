import fs from 'node:fs';
import path from 'node:path';
import { CubicleConfig } from '@cubicle/protocol';
import ignore, { type Ignore } from 'ignore';

/** Never uploaded unless a workspace says otherwise: dependencies and caches are rebuilt, not stored. */
export const DEFAULT_SYNC_IGNORE = ['node_modules/', '.cache/'];

/** The part of `cubicle.json` sync reads; the rest of the file belongs to the process manager. */
const CubicleJsonIgnore = CubicleConfig.pick({ ignore: true }).loose();

/**
 * Which workspace paths stay local: gitignore-style patterns (the `ignore` package implements the
 * spec) from the defaults plus `ignore` in the workspace's `cubicle.json`, re-read when it changes.
 * Names are workspace-relative with `/` separators; directories end with `/`.
 */
export class SyncIgnore {
  private matcher: Ignore;
  /** Why the last cubicle.json could not be used, if it could not. */
  problem: string | null = null;

  constructor(
    private readonly workspaceDir: string,
    private readonly base: string[],
  ) {
    this.matcher = ignore().add(base);
    this.reload();
  }

  /** Re-reads cubicle.json; a broken file keeps the defaults and reports why (never stops sync). */
  reload(): void {
    const matcher = ignore().add(this.base);
    this.problem = null;
    try {
      const text = fs.readFileSync(path.join(this.workspaceDir, 'cubicle.json'), 'utf8');
      const parsed = CubicleJsonIgnore.safeParse(JSON.parse(text));
      if (parsed.success) matcher.add(parsed.data.ignore ?? []);
      else this.problem = `cubicle.json: "ignore" must be a list of patterns`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.problem = `cubicle.json: ${code ?? (err as Error).message}`;
    }
    this.matcher = matcher;
  }

  /** For a name as in S3 and the base: directory markers end with `/`. */
  ignoresName(name: string): boolean {
    return this.ignores(name, name.endsWith('/'));
  }

  /** `rel` is a workspace-relative name; pass `isDir` so directory-only patterns (`name/`) apply. */
  ignores(rel: string, isDir: boolean): boolean {
    if (rel === '' || rel === '.') return false;
    return this.matcher.ignores(isDir && !rel.endsWith('/') ? `${rel}/` : rel);
  }
}
