import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { SEARCH_MAX_MATCHES, type SearchMatch, type SearchStartRequest } from '@cubicle/protocol';
import { RunnerError } from '../errors.js';
import { SEARCH_PREVIEW_CHARS } from '../tuning.js';

/** Always left out, as VS Code's default search excludes do (on top of .gitignore, which rg reads). */
const ALWAYS_EXCLUDED = ['.git', 'node_modules'];

export interface TextSearchOptions {
  workspaceDir: string;
  /** The ripgrep binary (Debian's `ripgrep` package puts it on PATH as `rg`). */
  ripgrep: string;
}

export interface SearchOutcome {
  files: number;
  matches: number;
  truncated: boolean;
}

/** ripgrep's command line for a request: literal unless `regex`, hidden files searched, symlinks not followed. */
export function ripgrepArgs(req: SearchStartRequest): string[] {
  // --no-require-git: a workspace's .gitignore counts even before `git init`.
  const args = ['--json', '--no-config', '--hidden', '--no-require-git', '--max-filesize', '10M'];
  args.push(req.caseSensitive ? '--case-sensitive' : '--ignore-case');
  if (!req.regex) args.push('--fixed-strings');
  if (req.wholeWord) args.push('--word-regexp');
  // Later globs win in ripgrep: includes first, then every exclude.
  for (const g of req.include ?? []) args.push('--glob', g);
  for (const g of [...ALWAYS_EXCLUDED, ...(req.exclude ?? [])]) args.push('--glob', `!${g}`);
  args.push('--regexp', req.query, '--', '.');
  return args;
}

interface RipgrepMatch {
  type: 'match';
  data: {
    path: { text?: string };
    lines: { text?: string };
    line_number: number;
    submatches: { start: number; end: number }[];
  };
}

/**
 * Searches the workspace's text with ripgrep (it honours .gitignore and skips binary files),
 * handing each file's matches to `onFile` as ripgrep finds them. Stops at SEARCH_MAX_MATCHES or
 * when `signal` aborts. A bad regular expression is an EINVAL with ripgrep's own explanation.
 */
export function searchText(
  req: SearchStartRequest,
  opts: TextSearchOptions,
  onFile: (path: string, matches: SearchMatch[]) => void,
  signal: AbortSignal,
): Promise<SearchOutcome> {
  return new Promise((resolve, reject) => {
    const rg = spawn(opts.ripgrep, ripgrepArgs(req), {
      cwd: opts.workspaceDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    const outcome: SearchOutcome = { files: 0, matches: 0, truncated: false };
    let stderr = '';
    let pending: { path: string; matches: SearchMatch[] } | null = null;
    const flush = () => {
      if (pending && pending.matches.length > 0) {
        outcome.files += 1;
        onFile(pending.path, pending.matches);
      }
      pending = null;
    };
    rg.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    readline.createInterface({ input: rg.stdout }).on('line', (line) => {
      if (outcome.truncated) return;
      let event: { type: string } & Partial<RipgrepMatch>;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (event.type !== 'match' || !event.data) return;
      const path = event.data.path.text?.replace(/^\.\//, '');
      if (path === undefined) return; // a name that is not UTF-8: not something the IDE can open
      if (pending?.path !== path) flush();
      pending ??= { path, matches: [] };
      for (const m of matches(event.data)) {
        pending.matches.push(m);
        if (++outcome.matches >= SEARCH_MAX_MATCHES) {
          outcome.truncated = true;
          flush();
          rg.kill();
          return;
        }
      }
    });
    rg.on('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError') return;
      reject(
        err.code === 'ENOENT'
          ? new RunnerError('EUNAVAILABLE', 'search needs ripgrep (rg), which is not installed in this sandbox')
          : err,
      );
    });
    rg.on('close', (code) => {
      flush();
      // 0: found, 1: nothing found, 2: an error (matches may still have been found).
      if (code === 2 && outcome.matches === 0 && !signal.aborted) {
        const why = stderr.trim().split('\n').slice(0, 6).join('\n') || 'ripgrep failed';
        reject(new RunnerError('EINVAL', why));
        return;
      }
      resolve(outcome);
    });
  });
}

/** ripgrep reports byte offsets into the line; the IDE wants UTF-16 columns and a short preview. */
function matches(data: RipgrepMatch['data']): SearchMatch[] {
  const text = (data.lines.text ?? '').replace(/\r?\n$/, '');
  const bytes = Buffer.from(text);
  const column = (byte: number) => bytes.subarray(0, byte).toString().length;
  return data.submatches.map(({ start, end }) => {
    const from = column(start);
    const to = column(end);
    // Long lines (minified code) are cut around the match.
    const cut = Math.max(0, Math.min(from - 40, text.length - SEARCH_PREVIEW_CHARS));
    const preview = text.slice(cut, cut + SEARCH_PREVIEW_CHARS);
    return {
      line: data.line_number,
      preview,
      start: from - cut,
      end: Math.min(to - cut, preview.length),
      column: from,
    };
  });
}
