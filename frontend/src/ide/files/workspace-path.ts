/** POSIX paths relative to the workspace root, as in the runner contract (`""` is the root). */

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

/** True when `path` is `dir` itself or inside it. */
export function isWithin(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

/** `path` moved from under `from` to under `to` (a renamed folder's open files follow it). */
export function rebase(path: string, from: string, to: string): string {
  return path === from ? to : `${to}${path.slice(from.length)}`;
}

/**
 * A name typed by a person for a new file or folder or a rename. As in VS Code, `src/app.js`
 * is a path below the folder it is typed in: the missing folders are made.
 */
export function validateName(name: string): string | null {
  if (!name.trim()) return 'A name is required.';
  if (name.includes('\\')) return 'Use / between folders, not \\.';
  if (name.startsWith('/')) return 'Names are relative to the folder: remove the leading /.';
  const segments = name.split('/');
  if (segments.some((s) => s === '')) return 'A name cannot end with / or contain //.';
  if (segments.some((s) => s === '.' || s === '..')) return 'Names cannot contain . or .. as a folder.';
  if (segments.some((s) => s.length > 255)) return 'That name is too long.';
  return null;
}
