import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import type { GitBranches, GitChange, GitDiff, GitStatus } from '@cubicle/protocol';
import { RunnerError } from '../errors.js';
import { GIT_TIMEOUT_MS } from '../tuning.js';
import type { WorkspacePaths } from '../workspace/workspace-paths.js';

export interface GitServiceOptions {
  paths: WorkspacePaths;
  /** The environment git runs with: the repl's own (GIT_USERNAME and GIT_TOKEN secrets included). */
  env(): Record<string, string>;
}

/** Answers credential requests from the repl's secrets, never from a prompt (there is no one to type). */
const CREDENTIALS =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, for git's credential helper
  '!f() { test "$1" = get || exit 0; echo "username=${GIT_USERNAME:-git}"; echo "password=$GIT_TOKEN"; }; f';

/**
 * The Source Control view's git: the git CLI in the workspace, as the repl's user, with the
 * repl's environment. Paths are checked against the workspace like every file operation, and
 * passed after `--` so none is read as an option. Push and pull authenticate with the repl's
 * GIT_USERNAME / GIT_TOKEN secrets.
 */
export class GitService {
  constructor(private readonly opts: GitServiceOptions) {}

  async status(): Promise<GitStatus> {
    if (!(await this.isRepository()))
      return { repository: false, branch: null, ahead: null, behind: null, changes: [] };
    const out = await this.git(['status', '--porcelain=v1', '--branch', '-z', '--untracked-files=all']);
    const entries = out.split('\0').filter(Boolean);
    let branch: string | null = null;
    let ahead: number | null = null;
    let behind: number | null = null;
    const changes: GitChange[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] ?? '';
      if (e.startsWith('## ')) {
        const head = e.slice(3);
        branch = /^(?:No commits yet on |Initial commit on )?([^.\s]+(?:\.(?!\.\.)[^.\s]*)*)/.exec(head)?.[1] ?? null;
        if (head.includes('...')) {
          ahead = Number(/ahead (\d+)/.exec(head)?.[1] ?? 0);
          behind = Number(/behind (\d+)/.exec(head)?.[1] ?? 0);
        }
        continue;
      }
      const index = e[0] ?? ' ';
      const worktree = e[1] ?? ' ';
      changes.push({ path: e.slice(3), index, worktree });
      if (index === 'R' || index === 'C') i++; // the original name follows a rename
    }
    return { repository: true, branch, ahead, behind, changes };
  }

  async diff(path: string): Promise<GitDiff> {
    const file = await this.opts.paths.resolveTarget(path);
    const head = await this.git(['show', `HEAD:${file.rel}`]).catch(() => null);
    const current = await fs.readFile(file.abs, 'utf8').catch(() => null);
    return { path: file.rel, head, current };
  }

  async stage(paths: string[]): Promise<void> {
    await this.git(['add', '--all', '--', ...(await this.relative(paths))]);
  }

  async unstage(paths: string[]): Promise<void> {
    const rel = await this.relative(paths);
    // Before the first commit there is no HEAD to reset to: take the paths out of the index instead.
    const hasHead = await this.git(['rev-parse', '--verify', 'HEAD']).then(
      () => true,
      () => false,
    );
    await this.git(hasHead ? ['reset', '-q', 'HEAD', '--', ...rel] : ['rm', '--cached', '-q', '-r', '--', ...rel]);
  }

  async commit(message: string): Promise<{ commit: string }> {
    await this.git(['commit', '-q', '-m', message]);
    return { commit: (await this.git(['rev-parse', 'HEAD'])).trim() };
  }

  async branches(): Promise<GitBranches> {
    const out = await this.git(['branch', '--format=%(HEAD) %(refname:short)']);
    const lines = out.split('\n').filter(Boolean);
    return {
      current: lines.find((l) => l.startsWith('*'))?.slice(2) ?? (await this.status()).branch,
      branches: lines.map((l) => l.slice(2)),
    };
  }

  async checkout(branch: string, create: boolean): Promise<void> {
    await this.git(create ? ['switch', '-c', branch] : ['switch', branch]);
  }

  async push(): Promise<{ output: string }> {
    return { output: await this.git(['push', '--porcelain'], { remote: true }) };
  }

  async pull(): Promise<{ output: string }> {
    return { output: await this.git(['pull', '--ff-only'], { remote: true }) };
  }

  private async isRepository(): Promise<boolean> {
    return this.git(['rev-parse', '--is-inside-work-tree']).then(
      (o) => o.trim() === 'true',
      () => false,
    );
  }

  private async relative(paths: string[]): Promise<string[]> {
    return Promise.all(paths.map(async (p) => (await this.opts.paths.resolveTarget(p)).rel || '.'));
  }

  private git(args: string[], opts: { remote?: boolean } = {}): Promise<string> {
    const config = ['-c', 'core.quotePath=false', '-c', 'color.ui=false'];
    if (opts.remote) config.push('-c', 'credential.helper=', '-c', `credential.helper=${CREDENTIALS}`);
    const repl = this.opts.env();
    const author = {
      name: repl.GIT_AUTHOR_NAME ?? 'Cubicle user',
      email: repl.GIT_AUTHOR_EMAIL ?? 'user@cubicle.invalid',
    };
    const env = {
      ...repl,
      GIT_TERMINAL_PROMPT: '0', // never wait for a password nobody can type
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: repl.GIT_COMMITTER_NAME ?? author.name,
      GIT_COMMITTER_EMAIL: repl.GIT_COMMITTER_EMAIL ?? author.email,
    };
    return new Promise((resolve, reject) => {
      execFile(
        'git',
        [...config, ...args],
        { cwd: this.opts.paths.root, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return reject(new RunnerError('EUNAVAILABLE', 'git is not installed in this sandbox'));
          // git's own "fatal:"/"error:" lines say it best; its hints after them are for a terminal.
          const lines = (stderr || err.message).trim().split('\n');
          const errors = lines.filter((l) => /^(fatal|error):/.test(l));
          const words = (errors.length > 0 ? errors : lines.slice(-6)).join('\n');
          reject(new RunnerError('EINVAL', words || `git ${args[0]} failed`));
        },
      );
    });
  }
}
