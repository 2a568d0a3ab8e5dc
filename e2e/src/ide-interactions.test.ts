import assert from 'node:assert/strict';
import { test } from 'node:test';
import { h, ide, openSession, page, replId, session } from './support/file-session.js';
import { retryUntilPasses } from './support/retry.js';

// The IDE's harder paths in a real browser: edit conflicts, uploads, drag-and-drop, keyboard
// navigation, a gateway that goes away under an open terminal, and a repl that cannot start.

openSession({ template: /Bash/, name: 'interactions' });

test('a dirty tab whose file changes on disk offers a choice; "keep mine" wins on disk', async () => {
  // Autosave off, so the edit is still unsaved when the shell writes, however slow the machine.
  await ide.setAutosave(false);
  await ide.typeInTerminal('printf "line one\\n" > notes.txt');
  await ide.treeRow('notes.txt').waitFor();
  await ide.openFile('notes.txt');
  await ide.editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('mine');
  await ide.editorTab('notes.txt').and(page.locator('[data-status=dirty]')).waitFor();
  await ide.typeInTerminal('echo theirs > notes.txt');
  await page.getByRole('button', { name: 'Keep my version' }).click();
  await ide.editorTab('notes.txt').and(page.locator('[data-status=clean]')).waitFor();
  await ide.typeInTerminal('cat notes.txt | tr -d "\\n"; echo " <- on disk"');
  await ide.waitForTerminal(/line onemine <- on disk/);
});

test('"load the version on disk" drops the edit and shows the disk text', async () => {
  await ide.editor.click();
  await page.keyboard.type(' more');
  await ide.typeInTerminal('echo from-disk > notes.txt');
  await page.getByRole('button', { name: 'Load the version on disk' }).click();
  await ide.editor.filter({ hasText: 'from-disk' }).waitFor();
  await ide.editorTab('notes.txt').and(page.locator('[data-status=clean]')).waitFor();
  await ide.setAutosave(true);
});

test('a file storage refuses is named in the status bar until it is renamed', async () => {
  const long = 'L'.repeat(240); // fine on disk, too long for the store's file system
  await ide.typeInTerminal(`echo keep > ${long}`);
  const warning = page.getByTestId('not-synced');
  await warning.filter({ hasText: '1 file is not in storage' }).waitFor();
  assert.match((await warning.getAttribute('title')) ?? '', new RegExp(`${long}: .*too long`));
  await ide.typeInTerminal(`mv ${long} renamed-long.txt`);
  await warning.waitFor({ state: 'detached' });
  await retryUntilPasses(async () => {
    assert.ok((await h.store.head(`code/${replId}/renamed-long.txt`)) !== null);
  }, 10_000);
  await ide.typeInTerminal('rm renamed-long.txt');
});

test('upload from the desktop, then drag the file into a folder', async () => {
  await page.getByRole('button', { name: 'New folder' }).click();
  await page.getByLabel('New folder name').fill('assets');
  await page.getByLabel('New folder name').press('Enter');
  await ide.treeRow('assets').waitFor();

  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0x00]);
  await ide.treeRow('notes.txt').click(); // uploads land beside the focused file: the root
  await page
    .locator('.file-tree-pane input[type=file]')
    .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
  await ide.treeRow('logo.png').waitFor();
  await ide.openFile('logo.png');
  await page.locator('.document:not([hidden])', { hasText: 'Binary file (14 bytes)' }).waitFor();

  await ide.treeRow('logo.png').dragTo(ide.treeRow('assets'));
  await ide.treeRow('assets/logo.png').waitFor(); // the folder opens as the move lands
  await ide.treeRow('logo.png').waitFor({ state: 'detached' });
  await ide.editorTab('assets/logo.png').waitFor(); // the open tab followed the file
  await retryUntilPasses(async () => {
    const stored = (await h.store.listKeys(`code/${replId}/`)).map((k) => k.slice(`code/${replId}/`.length));
    assert.ok(stored.includes('assets/logo.png'), stored.join(', '));
    assert.ok(!stored.includes('logo.png'));
  }, 10_000);
});

test('keyboard: arrows move through the tree, Enter opens, F2 renames', async () => {
  await page.locator('.file-tree').focus();
  await ide.treeRow('assets').click(); // focus a known row (and close the folder)
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const second = await page.locator('.file-tree [role=treeitem][aria-selected=true]').getAttribute('data-path');
  assert.ok(second && second !== 'assets');
  await page.locator(`.document:not([hidden])[data-path="${second}"]`).waitFor();
  await page.locator('.file-tree').focus();
  await page.keyboard.press('F2');
  await page.getByLabel('New name').fill('renamed-by-keyboard.txt');
  await page.getByLabel('New name').press('Enter');
  await ide.treeRow('renamed-by-keyboard.txt').waitFor();
  await ide.editorTab('renamed-by-keyboard.txt').waitFor();
});

test('"New file" with a path makes its folders and opens the file', async () => {
  await page.locator('.file-tree').focus();
  await page.getByRole('button', { name: 'New file', exact: true }).click();
  await page.getByLabel('New file name').fill('src/lib/app.js');
  await page.getByLabel('New file name').press('Enter');
  await ide.treeRow('src/lib/app.js').waitFor(); // both folders opened to show it
  await page.locator('.document:not([hidden])[data-path="src/lib/app.js"]').waitFor();
  await ide.typeInTerminal('test -f src/lib/app.js && echo "nested-made"');
  await ide.waitForTerminal(/\nnested-made/);
});

test('the gateway restarting under an open terminal: "Reconnecting…", then the same screen once', async () => {
  await ide.typeInTerminal('echo "marker=$((40+2))"');
  await ide.waitForTerminal(/marker=42/);
  await page.evaluate(() => {
    const seen = { overlay: false, status: false };
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => {
      if (document.querySelector('.terminal-overlay')?.textContent?.includes('Reconnecting')) seen.overlay = true;
      if (document.querySelector('[data-testid=connection-state]')?.textContent?.includes('Reconnecting')) {
        seen.status = true;
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await h.restart('SIGKILL'); // runners survive; the browser's socket drops and comes back
  await page.locator('.terminal-view:not([hidden])[data-status=ready]').waitFor({ timeout: 30_000 });
  await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  const seen = await page.evaluate(() => (window as unknown as { seen: { overlay: boolean; status: boolean } }).seen);
  assert.deepEqual(seen, { overlay: true, status: true });
  const text = await ide.waitForTerminal(/marker=42/);
  assert.equal(text.match(/marker=42/g)?.length, 1, `replayed once, not appended:\n${text}`);
  await ide.typeInTerminal('echo after-reconnect');
  await ide.waitForTerminal(/\nafter-reconnect/);
});

test('layout: a dragged splitter is remembered for this repl after a reload', async () => {
  const tree = page.locator('.file-tree-pane');
  const before = (await tree.boundingBox())?.width ?? 0;
  const handle = page.locator('.separator').first();
  const box = await handle.boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 150, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const dragged = (await tree.boundingBox())?.width ?? 0;
  assert.ok(dragged > before + 100, `tree grew from ${before} to ${dragged}`);
  await page.reload();
  await ide.waitForShell();
  const restored = (await tree.boundingBox())?.width ?? 0;
  assert.ok(Math.abs(restored - dragged) < 4, `restored ${restored}, dragged ${dragged}`);
});

test('Runs: a task from cubicle.json runs with live output and lands in the history; Processes lists the app', async () => {
  await ide.typeInTerminal(
    `printf '%s' '{"run":"bash main.sh","tasks":{"greet":"echo hi from a task; exit 4"}}' > cubicle.json`,
  );
  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.getByRole('button', { name: 'greet', exact: true }).click();
  const run = page.locator('.run-item[data-status=failed]', { hasText: 'greet' });
  await run.waitFor();
  assert.match((await run.textContent()) ?? '', /exit 4/);
  await page.locator('[data-tool=runs] .log-line.stdout', { hasText: 'hi from a task' }).waitFor();

  await page.getByLabel('Command to run').fill('echo ad-hoc $((20+22))');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('[data-tool=runs] .log-line.stdout', { hasText: 'ad-hoc 42' }).waitFor();
  await page.locator('.run-item[data-status=succeeded]').waitFor();

  await page.getByRole('tab', { name: 'Processes' }).click();
  await page.locator('[data-tool=processes] tr[data-process=app]').waitFor();
  await page.getByRole('tab', { name: 'Preview' }).click();
});

test('a repl that cannot start: the boot screen says why and offers a retry, no endless spinner', async () => {
  await page.goto(`${ide.home}repl/zzzzzzzzzzzz`);
  const alert = page.locator('.boot-error');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /no longer exists/i);
  await page.getByRole('button', { name: 'Retry' }).waitFor();
  await page.getByRole('button', { name: 'All repls' }).click();
  await page.locator(`tr[data-repl="${replId}"]`).waitFor();
  assert.deepEqual(session.problems, [], 'no page errors');
});
