import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type OrchestratorHarness,
  startOrchestratorHarness,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import { ReplList } from '@cubicle/protocol';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, screenshot, terminalText } from './support/browser.js';
import { retryUntilPasses } from './support/retry.js';

// The browser IDE against a real `orchestrator serve` (real runners, real S3 server), in Debian's
// chromium: what a person does in their first minutes, checked on screen and in storage.

let h: OrchestratorHarness;
let browser: Browser;
let page: Page;
let problems: string[];
let replId: string;

before(async () => {
  h = await startOrchestratorHarness();
  browser = await launchBrowser();
  ({ page, problems } = await openPage(browser));
  page.setDefaultTimeout(20_000);
});
after(async () => {
  await browser?.close();
  await h?.close();
});

/** The IDE's origin: `localhost`, so `<id>-ws.localhost` and `<id>.localhost` resolve in chromium. */
const home = () => `http://localhost:${h.port}/`;
const treeRow = (path: string) => page.locator(`.file-tree [role=treeitem][data-path="${path}"]`);

async function typeInTerminal(text: string): Promise<void> {
  await page.locator('.terminal-view:not([hidden]) .xterm-screen').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function waitForTerminal(pattern: RegExp): Promise<string> {
  let last = '';
  await retryUntilPasses(async () => {
    last = await terminalText(page);
    assert.match(last, pattern);
  }, 15_000);
  return last;
}

test('home page: create a repl from the Node template and land in its IDE', async () => {
  await page.goto(home());
  await page.getByRole('radio', { name: /Node/ }).check();
  await page.getByLabel('Repl name').fill('browser-test');
  await page.getByRole('button', { name: 'Create repl' }).click();
  await page.waitForURL(/\/repl\/[a-z0-9]{12}/);
  replId = new URL(page.url()).pathname.split('/')[2] ?? '';

  // Boot screen, then the IDE with the template's files and a ready shell.
  await treeRow('index.js').waitFor();
  await treeRow('package.json').waitFor();
  await page.locator('.boot-screen').waitFor({ state: 'detached' });
  await page.locator('.terminal-view:not([hidden])[data-status=ready]').waitFor();
  assert.match((await page.getByTestId('connection-state').textContent()) ?? '', /Connected/);
});

test('editor: type, Ctrl+S, reload — the text is still there and in S3', async () => {
  await treeRow('index.js').click();
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
  await typeInTerminal('echo "answer=$((6*7))"');
  await waitForTerminal(/answer=42/);
  await typeInTerminal('touch from-shell.txt');
  await treeRow('from-shell.txt').waitFor();
});

test('a file changed by sed in the shell reloads in its clean editor tab', async () => {
  await typeInTerminal("sed -i 's/typed in the browser/changed by sed/' index.js");
  await page.locator('.document:not([hidden]) .cm-content', { hasText: 'changed by sed' }).waitFor();
  assert.equal(await page.locator('.tab[data-path="index.js"]').getAttribute('data-status'), 'clean');
});

test('Run starts the template app and the preview shows its page', async () => {
  await page.getByRole('button', { name: '▶ Run' }).click();
  await page
    .frameLocator('iframe[title=Preview]')
    .getByRole('heading', { name: 'Hello from Node.js' })
    .waitFor({ timeout: 30_000 });
  await screenshot(page, 'ide');
});

test('reload: the same shells come back with their screens, without duplicated output', async () => {
  await page.locator('.tab[data-terminal]', { hasText: 'Shell 1' }).click();
  await page.reload();
  await page.locator('.terminal-view:not([hidden])[data-status=ready]').waitFor();
  const text = await waitForTerminal(/answer=42/);
  assert.equal(text.match(/answer=42/g)?.length, 1, `output replayed once:\n${text}`);
  assert.match(page.url(), /terms=/);
});

test('tree: rename inline, then delete with confirmation; both reach the workspace', async () => {
  await treeRow('from-shell.txt').hover();
  await page.getByRole('button', { name: 'Rename from-shell.txt' }).click();
  const input = page.getByLabel('New name');
  await input.fill('renamed.txt');
  await input.press('Enter');
  await treeRow('renamed.txt').waitFor();
  await treeRow('from-shell.txt').waitFor({ state: 'detached' });
  await typeInTerminal('ls renamed.txt && echo rename-ok');
  await waitForTerminal(/rename-ok/);

  await treeRow('renamed.txt').hover();
  await page.getByRole('button', { name: 'Delete renamed.txt' }).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await treeRow('renamed.txt').waitFor({ state: 'detached' });
  await retryUntilPasses(async () => assert.equal((await h.objects(replId)).has('renamed.txt'), false), 10_000);
});

test('home page lists the repl; stop and delete (after confirming) work from there', async () => {
  await page.goto(home());
  const row = page.locator(`tr[data-repl="${replId}"]`);
  await row.getByText('running').waitFor();
  await row.getByRole('button', { name: 'Stop' }).click();
  await row.getByText('stopped').waitFor({ timeout: 30_000 });
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Delete repl' }).click();
  await row.waitFor({ state: 'detached' });
  const { body } = await h.api('GET', '/api/repls');
  assert.equal(ReplList.parse(body).repls.length, 0);
  assert.deepEqual(problems, [], 'no page errors');
});
