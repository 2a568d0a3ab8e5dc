import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { screenshot } from './support/browser.js';
import { h, ide, openSession, page, replId, session } from './support/file-session.js';
import { retryUntilPasses } from './support/retry.js';

// The editor understands the code: the repl's TypeScript language server, through the runner,
// in Chromium — squiggles and Problems, completion, hover, go to definition, rename across files.

const LIB = `export function greet(name: string): string {\n  return 'hello ' + name;\n}\n`;
const MAIN = `import { greet } from './lib';\n\nconst total: number = greet('x');\n`;
const workspaceFile = (name: string) => path.join(h.dataDir, 'sandboxes', replId, 'workspace', name);

openSession({ template: /Node/, name: 'code-intelligence' }, async () => {
  fs.writeFileSync(workspaceFile('lib.ts'), LIB);
  fs.writeFileSync(workspaceFile('main.ts'), MAIN);
  await ide.treeRow('main.ts').waitFor();
});

/** Puts the cursor just after the first `needle` in the visible editor. */
async function cursorAfter(needle: string): Promise<void> {
  const line = ide.editor.locator('.cm-line', { hasText: needle }).first();
  await line.click();
  await page.keyboard.press('End');
  const content = (await line.textContent()) ?? '';
  const back = content.length - (content.indexOf(needle) + needle.length);
  for (let i = 0; i < back; i++) await page.keyboard.press('ArrowLeft');
}

test('a type error is underlined and listed in Problems; the server shows ready', async () => {
  await ide.openFile('main.ts');
  await page.locator('.document:not([hidden]) .cm-lintRange-error').first().waitFor({ timeout: 60_000 });
  await page.getByTestId('language-typescript').filter({ hasText: 'ready' }).waitFor();
  await page.getByRole('tab', { name: /^Problems \(\d+\)$/ }).click();
  const problem = page.locator('.problems-view .problem', {
    hasText: "Type 'string' is not assignable to type 'number'",
  });
  await problem.waitFor();
  assert.match((await problem.textContent()) ?? '', /main\.ts:3:7/);
  await screenshot(page, 'problems');
});

test('completion after `console.` offers log; hover shows the signature', async () => {
  await ide.editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('console.');
  await page.locator('.cm-tooltip-autocomplete li', { hasText: /^log/ }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Backspace');
  for (let i = 0; i < 'console'.length; i++) await page.keyboard.press('Backspace');

  await ide.editor.locator('.cm-line', { hasText: 'const total' }).getByText('greet').first().hover();
  await page.locator('.cm-lsp-hover-tooltip', { hasText: 'greet(name: string): string' }).waitFor({ timeout: 30_000 });
});

test('F12 on a name imported from another file opens that file at its definition', async () => {
  await cursorAfter("greet('");
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('F12');
  await ide.editorTab('lib.ts').and(page.locator('[aria-selected=true]')).waitFor();
  await ide.editor.filter({ hasText: 'export function greet' }).waitFor();
});

test('Shift+F12 lists every reference, in closed files too; a click opens the file there', async () => {
  await ide.editorTab('lib.ts').locator('.tab-close').click();
  await ide.editorTab('lib.ts').waitFor({ state: 'detached' });
  await ide.editorTab('main.ts').click();
  await cursorAfter('const total: number = gr');
  await page.keyboard.press('Shift+F12');
  const list = page.getByRole('list', { name: 'References' });
  await page.getByRole('status').filter({ hasText: '3 references to greet' }).waitFor({ timeout: 30_000 });
  const where = await list.locator('.problem-where').allTextContents();
  assert.deepEqual(where, ['lib.ts:1', 'main.ts:1', 'main.ts:3']);
  await list.getByRole('button', { name: /export function greet/ }).click();
  await ide.editorTab('lib.ts').and(page.locator('[aria-selected=true]')).waitFor();
});

test('F2 renames a symbol in every file, open or not, and both reach storage', async () => {
  await ide.editorTab('lib.ts').locator('.tab-close').click();
  await ide.editorTab('lib.ts').waitFor({ state: 'detached' });
  await ide.editorTab('main.ts').click();
  await cursorAfter('const total: number = gr');
  await page.keyboard.press('F2');
  const newName = page.getByLabel('New name');
  await newName.fill('welcome');
  await newName.press('Enter');
  await ide.editor.filter({ hasText: "welcome('x')" }).waitFor();
  await ide.editor.filter({ hasText: 'import { welcome }' }).waitFor();
  await retryUntilPasses(async () => {
    assert.match(fs.readFileSync(workspaceFile('lib.ts'), 'utf8'), /export function welcome\(name: string\)/);
    for (const name of ['lib.ts', 'main.ts']) {
      const stored = await text((await h.store.get(`code/${replId}/${name}`)).body);
      assert.match(stored, /welcome/, `${name} in storage`);
    }
  }, 20_000);
});

test('after the connection drops and comes back, the server checks what was typed meanwhile; nothing uncaught', async () => {
  await ide.editorTab('main.ts').click();
  await h.restart('SIGKILL'); // the gateway: the socket drops, the runner and its server live on
  await ide.editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type("const count: number = 'many';"); // line 4: the file ended with a newline
  await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  await page.getByRole('tab', { name: /^Problems/ }).click();
  await page
    .locator('.problems-view .problem', { hasText: "Type 'string' is not assignable to type 'number'" })
    .filter({ hasText: /main\.ts:4:7/ })
    .waitFor({ timeout: 60_000 });
  assert.deepEqual(session.problems, [], 'no page errors');
});
