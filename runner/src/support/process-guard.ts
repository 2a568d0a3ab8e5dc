import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Seals the runner's own process from the repl's: they share a user id, and the kernel lets a
 * process read the /proc files (environ, fd/, maps, mem) of, and ptrace, any dumpable process of
 * its user. The runner holds what the repl's code must not reach: the tokens its clients present,
 * the descriptors of the sockets the gateway connects to, the repl's variables. A non-dumpable
 * process's /proc files belong to root and ptrace needs CAP_SYS_PTRACE, which no process in a
 * sandbox has (docs/security.md, "Local sandboxes"). execve(2) makes a process dumpable again,
 * so the shells, tools and language servers the runner starts are ordinary, debuggable ones.
 *
 * Node has no prctl(2): a small N-API addon (runner/native, built by `pnpm install`) makes the
 * call. Chosen over an FFI package (koffi: megabytes of prebuilt binaries for one call, and a
 * general way to call C from the runner) and over a private /proc with hidepid= (it hides other
 * users' processes only, and the runner and the shell are one user).
 */

export class ProcessGuardError extends Error {
  override readonly name = 'ProcessGuardError';
}

interface ProcessGuardAddon {
  setNonDumpable(): void;
  isDumpable(): boolean;
}

/** Where node-gyp puts the addon (runner/native/build), from dist/support/ or src/support/. */
const ADDON_PATH = path.resolve(import.meta.dirname, '..', '..', 'native', 'build', 'Release', 'process_guard.node');

let addon: ProcessGuardAddon | null = null;

function load(): ProcessGuardAddon {
  if (addon) return addon;
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)(ADDON_PATH);
  } catch (err) {
    throw new ProcessGuardError(
      `the runner's process guard is not built (${ADDON_PATH}: ${err instanceof Error ? err.message : String(err)}); run pnpm install, which builds it`,
    );
  }
  if (!isAddon(loaded)) throw new ProcessGuardError(`${ADDON_PATH} is not the runner's process guard`);
  addon = loaded;
  return addon;
}

function isAddon(value: unknown): value is ProcessGuardAddon {
  if (typeof value !== 'object' || value === null) return false;
  const { setNonDumpable, isDumpable } = value as Record<string, unknown>;
  return typeof setNonDumpable === 'function' && typeof isDumpable === 'function';
}

/** Makes this process non-dumpable, or throws ProcessGuardError; elsewhere than Linux there is nothing to do. */
export function sealProcess(): void {
  if (process.platform !== 'linux') return;
  try {
    load().setNonDumpable();
  } catch (err) {
    if (err instanceof ProcessGuardError) throw err;
    throw new ProcessGuardError(err instanceof Error ? err.message : String(err));
  }
}

/** Whether the kernel would let this process's user read and trace it (Linux; true elsewhere). */
export function isDumpable(): boolean {
  return process.platform !== 'linux' || load().isDumpable();
}
