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

/** A name typed by a person for a new file or a rename: one segment, no separators. */
export function validateName(name: string): string | null {
  if (!name.trim()) return 'A name is required.';
  if (name.includes('/') || name.includes('\\')) return 'A name cannot contain slashes.';
  if (name === '.' || name === '..') return 'That name is reserved.';
  if (name.length > 255) return 'That name is too long.';
  return null;
}
