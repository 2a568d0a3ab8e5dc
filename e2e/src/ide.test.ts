import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplList } from '@cubicle/protocol';
import { screenshot } from './support/browser.js';
import { h, ide, openSession, page, session } from './support/file-session.js';
import { retryUntilPasses } from './support/retry.js';

// The browser IDE against a real `orchestrator serve` (real runners, real S3 server), in Debian's
// chromium: what a person does in their first minutes, checked on screen and in storage.

openSession();
let replId: string; // made by the first test, from the home page

test('home page: create a repl from the Node template and land in its IDE', async () => {
  replId = await ide.createRepl(/Node/, 'browser-test');
  await ide.treeRow('index.js').waitFor();
  await ide.treeRow('package.json').waitFor();
  assert.match((await page.getByTestId('connection-state').textContent()) ?? '', /Connected/);
});

test('editor: type, Ctrl+S, reload — the text is still there and in S3', async () => {
  await ide.treeRow('index.js').click();
  const editor = page.locator('.document:not([hidden]) .cm-content');
  await editor.waitFor();
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n// typed in the browser\n');
  await page.locator('.tab[data-path="index.js"][data-status=dirty]').waitFor();
  await page.keyboard.press('Control+S');
  await page.locator('.tab[data-path="index.js"][data-status=clean]').waitFor();

  await retryUntilPasses(async () => {
    assert.match((await h.objects(replId)).get('index.js') ?? '', /typed in the browser/);
  }, 10_000);

  await page.reload();
  await page.locator('.document:not([hidden]) .cm-content').waitFor(); // tabs come back
  assert.match((await page.locator('.document:not([hidden]) .cm-content').textContent()) ?? '', /typed in the browser/);
});

test('terminal: echo $((6*7)) shows 42; a file made in the shell appears in the tree', async () => {
  await page.locator('.terminal-view:not([hidden])[data-status=ready]').waitFor();
  await ide.typeInTerminal('echo "answer=$((6*7))"');
  await ide.waitForTerminal(/answer=42/);
  // Output arrives as UTF-8 bytes (binary frames) that xterm.js decodes: typed as octal escapes,
  // so only the output holds the characters.
  await ide.typeInTerminal("printf 'caf\\303\\251 \\342\\234\\223 ok\\n'");
  await ide.waitForTerminal(/café ✓ ok/);
  await ide.typeInTerminal('touch from-shell.txt');
  await ide.treeRow('from-shell.txt').waitFor();
});

test('a file changed by sed in the shell reloads in its clean editor tab', async () => {
  await ide.typeInTerminal("sed -i 's/typed in the browser/changed by sed/' index.js");
  await page.locator('.document:not([hidden]) .cm-content', { hasText: 'changed by sed' }).waitFor();
  assert.equal(await page.locator('.tab[data-path="index.js"]').getAttribute('data-status'), 'clean');
});

test('Run starts the template app under the process manager: preview, console, Stop', async () => {
  await page.getByRole('button', { name: 'Run the app' }).click();
  await ide.waitForPreviewHeading('Hello from Node.js');
  await page.getByTestId('app-state').filter({ hasText: 'running' }).waitFor();
  await screenshot(page, 'ide');
  await page.getByRole('tab', { name: 'Console' }).click();
  await page.locator('[data-tool=console] .log-line', { hasText: /listening on port \d+/ }).waitFor();
  await page.getByRole('button', { name: 'Stop the app' }).click();
  await page.getByTestId('app-state').filter({ hasText: 'stopped' }).waitFor();
  await page.getByRole('tab', { name: 'Preview' }).click();
});

test('reload: the same shells come back with their screens, without duplicated output', async () => {
  await page.locator('.tab[data-terminal]', { hasText: 'Shell 1' }).click();
  await page.reload();
  await page.locator('.terminal-view:not([hidden])[data-status=ready]').waitFor();
  const text = await ide.waitForTerminal(/answer=42/);
  assert.equal(text.match(/answer=42/g)?.length, 1, `output replayed once:\n${text}`);
  assert.match(page.url(), /terms=/);
});

test('tree: rename inline, then delete with confirmation; both reach the workspace', async () => {
  await ide.treeRow('from-shell.txt').hover();
  await page.getByRole('button', { name: 'Rename from-shell.txt' }).click();
  const input = page.getByLabel('New name');
  await input.fill('renamed.txt');
  await input.press('Enter');
  await ide.treeRow('renamed.txt').waitFor();
  await ide.treeRow('from-shell.txt').waitFor({ state: 'detached' });
  await ide.typeInTerminal('ls renamed.txt && echo rename-ok');
  await ide.waitForTerminal(/rename-ok/);

  await ide.treeRow('renamed.txt').hover();
  await page.getByRole('button', { name: 'Delete renamed.txt' }).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await ide.treeRow('renamed.txt').waitFor({ state: 'detached' });
  await retryUntilPasses(async () => assert.equal((await h.objects(replId)).has('renamed.txt'), false), 10_000);
});

test('home page lists the repl; stop and delete (after confirming) work from there', async () => {
  await page.goto(ide.home);
  const row = page.locator(`tr[data-repl="${replId}"]`);
  await row.getByText('running').waitFor();
  await row.getByRole('button', { name: 'Stop' }).click();
  await row.getByText('stopped').waitFor({ timeout: 30_000 });
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Delete repl' }).click();
  await row.waitFor({ state: 'detached' });
  const { body } = await h.api('GET', '/api/repls');
  assert.equal(ReplList.parse(body).repls.length, 0);
  assert.deepEqual(session.problems, [], 'no page errors');
});
