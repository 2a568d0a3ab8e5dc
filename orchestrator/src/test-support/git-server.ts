import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import { freePort } from '../drivers/local/process-control.js';

/** Repositories served by a real git daemon on a free loopback port (no internet). */
export interface GitServer {
  /** Commits what `build` writes in a fresh work tree as `<name>.git`; returns its git:// address. */
  publish(name: string, build: (work: string) => void): string;
  close(): void;
}

export async function startGitServer(): Promise<GitServer> {
  const served = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-git-server-'));
  const port = await freePort();
  const daemon = spawn(
    'git',
    ['daemon', '--reuseaddr', '--export-all', `--base-path=${served}`, '--listen=127.0.0.1', `--port=${port}`, served],
    { stdio: 'ignore' },
  );
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'ignore' });
  const server: GitServer = {
    publish(name, build) {
      const work = path.join(served, `work-${name}`);
      fs.mkdirSync(work);
      build(work);
      git(work, 'init', '-q', '-b', 'main');
      git(work, 'add', '.');
      git(work, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'first');
      git(served, 'clone', '-q', '--bare', `work-${name}`, `${name}.git`);
      return `git://127.0.0.1:${port}/${name}.git`;
    },
    close() {
      daemon.kill();
      fs.rmSync(served, { recursive: true, force: true });
    },
  };
  const probe = server.publish('probe', (w) => fs.writeFileSync(path.join(w, 'x'), 'x'));
  try {
    await eventually(
      () => {
        try {
          execFileSync('git', ['ls-remote', probe], { stdio: 'ignore' });
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      'git daemon to serve',
    );
  } catch (err) {
    server.close();
    throw err;
  }
  return server;
}
