/**
 * Object storage layout (design.md, data-path picture): a template's files under
 * `base/<template>/`, a repl's workspace under `code/<replId>/`. Names below a prefix are
 * workspace-relative POSIX paths; a directory is a zero-byte marker `<dir>/`.
 */
export function codePrefix(replId: string): string {
  return `code/${replId}/`;
}

export function basePrefix(template: string): string {
  return `base/${template}/`;
}
