/**
 * Names inside a workspace's prefix (`codePrefix` in @cubicle/protocol): the workspace-relative
 * path with `/` separators, and a directory as a zero-byte marker `<dir>/` (so empty
 * directories survive a stop).
 */
export { codePrefix } from '@cubicle/protocol';

export function dirName(rel: string): string {
  return rel.endsWith('/') ? rel : `${rel}/`;
}

/** The workspace path of a name: a directory marker without its trailing `/`. */
export function pathOf(name: string): string {
  return name.endsWith('/') ? name.slice(0, -1) : name;
}

export function isDirName(name: string): boolean {
  return name.endsWith('/');
}

/** Every name under (and including) a directory or file name. */
export function isSameOrUnder(name: string, rel: string): boolean {
  return name === rel || name === dirName(rel) || name.startsWith(dirName(rel));
}
