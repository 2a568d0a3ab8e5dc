import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The `~/.bashrc` a repl's shells start with (HOME is the runner's state folder, so it is ours
 * to seed). It keeps the system's bashrc and adds a short prompt that names the workspace as
 * `~/workspace`, as Replit and Codespaces do, instead of the path the sandbox mounts it at. A
 * person's own edits win: an existing file is never overwritten.
 */
export function shellRc(workspaceDir: string): string {
  const quoted = `'${workspaceDir.replaceAll("'", `'\\''`)}'`;
  return `# Written once by Cubicle; yours to change.
[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc
CUBICLE_WORKSPACE=${quoted}
__cubicle_where() {
  case $PWD in
    "$CUBICLE_WORKSPACE") __cubicle_dir='~/workspace' ;;
    "$CUBICLE_WORKSPACE"/*) __cubicle_dir="~/workspace\${PWD#"$CUBICLE_WORKSPACE"}" ;;
    "$HOME"|"$HOME"/*) __cubicle_dir="~\${PWD#"$HOME"}" ;;
    *) __cubicle_dir=$PWD ;;
  esac
}
PROMPT_COMMAND=__cubicle_where
PS1='\\[\\e[1;34m\\]\${__cubicle_dir}\\[\\e[0m\\]\\$ '
`;
}

/** Seeds `home/.bashrc` unless the person already has one. */
export async function seedShellRc(home: string, workspaceDir: string): Promise<void> {
  try {
    await fs.writeFile(path.join(home, '.bashrc'), shellRc(workspaceDir), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
