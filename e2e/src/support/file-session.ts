import { after, before } from 'node:test';
import { type IdeSession, startIdeSession } from './ide-session.js';

// One IDE session per test file (node --test runs each file in a process of its own), with short
// names for its parts as live bindings: `import { page, ide } from './support/file-session.js'`.

export let session: IdeSession;
export let h: IdeSession['h'];
export let page: IdeSession['page'];
export let ide: IdeSession['ide'];
/** The repl the file's tests share, when `openSession` was asked to create one. */
export let replId: string;

/**
 * Starts the session before the file's tests (creating a repl from `template` if given, then
 * running `prepare` in it) and closes it after. One hook: node:test does not chain root hooks.
 */
export function openSession(repl?: { template: RegExp; name: string }, prepare?: () => Promise<void>): void {
  before(async () => {
    session = await startIdeSession();
    ({ h, page, ide } = session);
    if (repl) replId = await ide.createRepl(repl.template, repl.name);
    await prepare?.();
  });
  after(() => session?.close());
}
