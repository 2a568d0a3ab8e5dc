/** Workspace paths as the `file://` URIs language servers use, under the runner's workspace URI. */
export function uriOfPath(rootUri: string, path: string): string {
  return `${rootUri.replace(/\/$/, '')}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** The workspace path of a URI under `rootUri`, or null for a file outside the workspace (a library's types). */
export function pathOfUri(rootUri: string, uri: string): string | null {
  let root: string;
  let full: string;
  try {
    root = decodeURIComponent(new URL(rootUri).pathname).replace(/\/$/, '');
    full = decodeURIComponent(new URL(uri).pathname);
  } catch {
    return null;
  }
  if (!full.startsWith(`${root}/`)) return null;
  const rel = full.slice(root.length + 1);
  return rel.split('/').includes('node_modules') ? null : rel;
}
