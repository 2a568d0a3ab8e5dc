import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import { h, ide, openSession, page, replId, session } from './support/file-session.js';
import { retryUntilPasses } from './support/retry.js';

// Every way the IDE used to lose a person's work without a word, each in a real browser: an edit
// closed or reloaded away before autosave, a large terminal paste, a dirty tab whose file is
// deleted, a status bar that called unsaved work saved, and an editor limit a paste could pass.

openSession({ template: /Bash/, name: 'lost-work' });

/** The repl's workspace folder on this machine (the local driver's sandbox). */
const workspaceFile = (name: string) => path.join(h.dataDir, 'sandboxes', replId, 'workspace', name);

/** Waits for `name` in the workspace to hold exactly `content` (what a person's `cat` would show). */
async function waitForDisk(name: string, content: string, timeoutMs = 15_000): Promise<void> {
  await retryUntilPasses(() => {
    assert.equal(fs.readFileSync(workspaceFile(name), 'utf8'), content);
  }, timeoutMs);
}

/** Pastes `text` into `target` as a browser paste from the clipboard does. */
async function paste(target: Locator, text: string): Promise<void> {
  await target.evaluate((el, t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

/** Writes a file as the repl's own user would (the test runs as another user), then waits for the tree. */
async function writeAsRepl(name: string, content: string): Promise<void> {
  const file = workspaceFile(name);
  fs.writeFileSync(file, content);
  const owner = fs.statSync(path.dirname(file));
  fs.chownSync(file, owner.uid, owner.gid);
  await ide.treeRow(name).waitFor();
}

test('closing a tab right after typing saves the edit', async () => {
  await writeAsRepl('closed.txt', 'first\n');
  await ide.openFile('closed.txt');
  await ide.editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('typed then closed');
  await ide.editorTab('closed.txt').locator('.tab-close').click(); // well inside the autosave delay
  await ide.editorTab('closed.txt').waitFor({ state: 'detached' });
  await waitForDisk('closed.txt', 'first\ntyped then closed');
});

test('reloading the page right after typing keeps the edit', async () => {
  await writeAsRepl('reloaded.txt', 'first\n');
  await ide.openFile('reloaded.txt');
  await ide.editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('typed then reloaded');
  await page.reload();
  await ide.waitForShell();
  await waitForDisk('reloaded.txt', 'first\ntyped then reloaded');
  await ide.editor.filter({ hasText: 'typed then reloaded' }).waitFor();
  await ide.editorTab('reloaded.txt').and(page.locator('[data-status=clean]')).waitFor();
});

test('the status bar names unsaved editor work instead of calling everything saved', async () => {
  await writeAsRepl('status.txt', 'x\n');
  await ide.openFile('status.txt');
  // Sample the status bar every frame while a tab shows its unsaved dot (autosave ends it in ~1 s).
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { statusWhileDirty: string[] }).statusWhileDirty = seen;
    const sample = () => {
      if (document.querySelector('.editor-area .tab[data-status=dirty]')) {
        seen.push(document.querySelector('.status-bar')?.textContent ?? '');
      }
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
  await ide.editor.click();
  await page.keyboard.type('y');
  await page.getByTestId('editor-state').filter({ hasText: 'All files saved' }).waitFor();
  const seen = await page.evaluate(() => (window as unknown as { statusWhileDirty: string[] }).statusWhileDirty);
  assert.ok(seen.length > 0, 'the tab was seen dirty');
  for (const text of seen) {
    assert.match(text, /1 unsaved file/);
    assert.doesNotMatch(text, /All (changes|files) saved/);
  }
});

test('a dirty tab whose file is deleted can be saved again, and closing it asks first', async () => {
  await writeAsRepl('gone.txt', 'v1\n');
  await ide.openFile('gone.txt');
  await ide.editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('keep me');
  fs.unlinkSync(workspaceFile('gone.txt')); // deleted by someone else while the tab is dirty
  const banner = page.locator('.document:not([hidden]) .banner', { hasText: 'deleted' });
  await banner.waitFor();

  // Closing asks, and Cancel keeps the text.
  await ide.editorTab('gone.txt').locator('.tab-close').click();
  const dialog = page.getByRole('dialog');
  await dialog.filter({ hasText: 'gone.txt' }).waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await ide.editor.filter({ hasText: 'keep me' }).waitFor();

  // "Save it here again" brings the file back with the tab's text.
  await banner.getByRole('button', { name: /save it here again/i }).click();
  await waitForDisk('gone.txt', 'v1\nkeep me');
  await ide.editorTab('gone.txt').and(page.locator('[data-status=clean]')).waitFor();
  await banner.waitFor({ state: 'detached' });

  // Deleted again: Ctrl+S saves it too.
  await ide.editor.click();
  await page.keyboard.type('!');
  fs.unlinkSync(workspaceFile('gone.txt'));
  await banner.waitFor();
  await ide.editor.click();
  await page.keyboard.press('Control+s');
  await waitForDisk('gone.txt', 'v1\nkeep me!');
});

test('a terminal paste over a megabyte arrives whole', async () => {
  const line = `${'0123456789'.repeat(6)}abcdefghi`; // 69 characters: canonical mode takes whole lines
  const lines = 16_000;
  const text = `${line}\n`.repeat(lines); // 1,120,000 bytes
  // Pasted only once cat runs: at the prompt bash has bracketed paste on, and a paste that beats
  // the command's start would reach cat wrapped in ESC[200~ … ESC[201~, as in any terminal.
  await ide.typeInTerminal('echo paste-$((1+1))-ready; cat > pasted.txt');
  await ide.waitForTerminal(/paste-2-ready/);
  await paste(page.locator('.terminal-view:not([hidden]) .xterm-helper-textarea'), text);
  await retryUntilPasses(() => {
    assert.equal(fs.statSync(workspaceFile('pasted.txt')).size, text.length);
  }, 60_000);
  await page.keyboard.press('Control+d');
  assert.equal(fs.readFileSync(workspaceFile('pasted.txt'), 'utf8'), text);
});

test('the editor refuses a paste past its 2 MB limit, with a message, and never reopens a larger file', async () => {
  await writeAsRepl('limit.txt', 'small\n');
  await ide.openFile('limit.txt');
  await ide.editor.click();
  await paste(ide.editor, 'a'.repeat(2_200_000));
  await page.locator('.document:not([hidden]) [role=alert]', { hasText: /2 MB/ }).waitFor();
  assert.equal(await ide.editorTab('limit.txt').getAttribute('data-status'), 'clean');
  assert.equal(fs.readFileSync(workspaceFile('limit.txt'), 'utf8'), 'small\n');

  // Grown past the limit in the shell while open: the tab says so instead of loading it.
  fs.writeFileSync(workspaceFile('limit.txt'), 'b'.repeat(3_000_000));
  await page.locator('.document:not([hidden]) .editor-message', { hasText: 'too large to edit here' }).waitFor();
  // And after a reload, the remembered tab does not load it either.
  await page.reload();
  await ide.waitForShell();
  await ide.editorTab('limit.txt').click();
  await page.locator('.document:not([hidden]) .editor-message', { hasText: 'too large to edit here' }).waitFor();
  assert.deepEqual(session.problems, [], 'no page errors');
});

test('nothing typed in this file was lost on its way to storage', async () => {
  await retryUntilPasses(async () => {
    const objects = await h.objects(replId);
    assert.equal(objects.get('closed.txt'), 'first\ntyped then closed');
    assert.equal(objects.get('reloaded.txt'), 'first\ntyped then reloaded');
    assert.equal(objects.get('gone.txt'), 'v1\nkeep me!');
  }, 20_000);
});
