/**
 * Object storage layout (docs/protocol.md, "Object storage layout"): a template's files under
 * `base/<template>/`, a repl's workspace under `code/<replId>/`. Names below a prefix are
 * workspace-relative POSIX paths; a directory is a zero-byte marker `<dir>/`.
 */
export function codePrefix(replId: string): string {
  return `code/${replId}/`;
}

export function basePrefix(template: string): string {
  return `base/${template}/`;
}

/** A repl's run history (records and outputs), beside its code and never inside the workspace. */
export function runsPrefix(replId: string): string {
  return `runs/${replId}/`;
}
