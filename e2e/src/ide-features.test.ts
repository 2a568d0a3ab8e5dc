import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { startGitServer } from '@cubicle/orchestrator/test-support/git-server';
import { screenshot } from './support/browser.js';
import { h, ide, openSession, page, replId, session } from './support/file-session.js';
import { retryUntilPasses } from './support/retry.js';

// What people reach for in their first minutes, from the keyboard, in a real browser: quick open,
// the command palette and settings that follow them across a reload.

openSession({ template: /Bash/, name: 'features' }, async () => {
  await ide.typeInTerminal(
    'mkdir -p src/lib node_modules/dep && printf "one\\ntwo\\n" > src/lib/helpers.js && echo x > node_modules/dep/helpers.js && echo y > readme.md',
  );
  await ide.treeRow('src').waitFor();
});

const workspaceFile = (name: string) => path.join(h.dataDir, 'sandboxes', replId, 'workspace', name);

test('quick open (Ctrl+P) finds a file deep in the tree by a fuzzy name and opens it, from the terminal too', async () => {
  await page.locator('.terminal-view:not([hidden]) .xterm-screen').click(); // focus in the shell: Ctrl+P is still ours
  await page.keyboard.press('Control+p');
  const picker = page.getByRole('dialog', { name: 'Go to file' });
  await picker.waitFor();
  await page.keyboard.type('hlprs');
  const options = picker.getByRole('option');
  await options.first().filter({ hasText: 'helpers.js' }).waitFor();
  // node_modules is not listed: one match, the workspace's own file.
  assert.deepEqual(await options.allTextContents(), ['helpers.jssrc/lib']);
  await page.keyboard.press('Enter');
  await picker.waitFor({ state: 'detached' });
  await page.locator('.document:not([hidden])[data-path="src/lib/helpers.js"]').waitFor();
  await ide.editor.filter({ hasText: 'two' }).waitFor();
});

test('search in files (Ctrl+Shift+F): hits stream in, a hit opens at its line, Replace all rewrites the files', async () => {
  await ide.typeInTerminal(
    'printf "alpha\\nbeta\\nlet target = 1;\\n" > src/search-me.js && printf "target again\\n" > readme.md',
  );
  await retryUntilPasses(() => {
    assert.match(fs.readFileSync(workspaceFile('readme.md'), 'utf8'), /target again/);
    assert.match(fs.readFileSync(workspaceFile('src/search-me.js'), 'utf8'), /let target/);
  }, 10_000);
  await ide.editor.click(); // from the editor: Ctrl+Shift+F is the IDE's, not the terminal's find
  await page.keyboard.press('Control+Shift+F');
  const input = page.getByLabel('Search in files');
  await input.waitFor();
  await page.keyboard.type('TARGET');
  const view = page.locator('.search-view');
  await view.getByRole('status').filter({ hasText: '2 results in 2 files' }).waitFor();
  assert.deepEqual(
    await view.locator('.search-file').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')).sort()),
    ['readme.md', 'src/search-me.js'],
  );
  await view.locator('.search-file[data-path="src/search-me.js"] .search-hit').click();
  await page.locator('.document:not([hidden])[data-path="src/search-me.js"]').waitFor();
  await page.locator('.document:not([hidden]) .cm-activeLine', { hasText: 'let target = 1;' }).waitFor();

  await page.getByLabel('Match case').click(); // "TARGET" no longer matches anything
  await view.getByRole('status').filter({ hasText: '0 results' }).waitFor();
  await page.getByLabel('Match case').click();
  await page.getByLabel('Replace with').fill('goal');
  await page.getByRole('button', { name: 'Replace all' }).click();
  await retryUntilPasses(() => {
    assert.equal(fs.readFileSync(workspaceFile('src/search-me.js'), 'utf8'), 'alpha\nbeta\nlet goal = 1;\n');
    assert.equal(fs.readFileSync(workspaceFile('readme.md'), 'utf8'), 'goal again\n');
  }, 10_000);
  await view.getByRole('status').filter({ hasText: '0 results' }).waitFor(); // searched again after replacing
  await ide.editor.filter({ hasText: 'let goal = 1;' }).waitFor(); // the open tab reloaded
  await page.getByRole('tab', { name: 'Files' }).click();
});

test('secrets: set in the IDE, hidden after entry, in the app and a new shell, never in the workspace, storage or database', async () => {
  const secret = `s3cr3t-${Date.now().toString(36)}`;
  await page.getByRole('tab', { name: 'Secrets' }).click();
  const view = page.locator('[data-tool=env]');
  await view.getByLabel('Variable name').fill('API_KEY');
  await view.getByLabel('Variable value').fill(secret);
  assert.equal(await view.getByLabel('Variable value').getAttribute('type'), 'password');
  await view.getByRole('button', { name: 'Save' }).click();
  await view.locator('tr[data-variable=API_KEY]', { hasText: 'secret' }).waitFor();
  await view.getByLabel('Variable name').fill('GREETING');
  await view.getByLabel('Secret').uncheck();
  await view.getByLabel('Variable value').fill('hello there');
  await view.getByRole('button', { name: 'Save' }).click();
  await view.locator('tr[data-variable=GREETING]', { hasText: 'hello there' }).waitFor();
  assert.ok(!(await page.content()).includes(secret), 'the secret is not on the page once saved');

  // The app gets it at its next start...
  const app = `node -e 'console.log("key=" + process.env.API_KEY + " greet=" + process.env.GREETING); setInterval(() => {}, 1e9)'`;
  fs.writeFileSync(workspaceFile('cubicle.json'), JSON.stringify({ run: app }));
  const owner = fs.statSync(workspaceFile('src'));
  fs.chownSync(workspaceFile('cubicle.json'), owner.uid, owner.gid);
  await page.locator('.run-button[title*="process.env.API_KEY"]').click(); // once cubicle.json is read
  await page.getByRole('tab', { name: 'Console' }).click();
  await page.locator('[data-tool=console] .log-line', { hasText: `key=${secret} greet=hello there` }).waitFor();
  await page.getByRole('button', { name: 'Stop the app' }).click();
  // ...and so does a new shell.
  await page.getByRole('button', { name: 'New terminal' }).click();
  await page.locator('.terminal-view:not([hidden])[data-status=ready]').waitFor();
  await ide.typeInTerminal('echo "in-shell=[$API_KEY]"');
  await ide.waitForTerminal(new RegExp(`in-shell=\\[${secret}\\]`));

  // Nowhere at rest: not in the workspace, not in storage, not in the orchestrator's database.
  const grep = spawnSync('grep', ['-rl', secret, path.join(h.dataDir, 'sandboxes', replId)], { encoding: 'utf8' });
  assert.equal(grep.stdout.trim(), '', `found in ${grep.stdout}`);
  await retryUntilPasses(async () => {
    const objects = await h.objects(replId);
    assert.ok(objects.has('cubicle.json'));
    for (const [name, body] of objects) assert.ok(!body.includes(secret), `in storage: ${name}`);
  }, 10_000);
  for (const file of fs.readdirSync(h.dataDir).filter((f) => f.startsWith('orchestrator.db'))) {
    assert.ok(!fs.readFileSync(path.join(h.dataDir, file)).includes(secret), `in ${file}`);
  }
});

test('every port: a second server shows in Ports as it opens, and the preview switches to its own address', async () => {
  await ide.typeInTerminal('python3 -m http.server 8081 --bind 127.0.0.1 >/dev/null 2>&1 &');
  await page.getByRole('tab', { name: /^Ports/ }).click();
  const row = page.locator('[data-tool=ports] tr[data-port="8081"]');
  await row.waitFor({ timeout: 15_000 });
  assert.match((await row.textContent()) ?? '', new RegExp(`http://8081-${replId}\\.localhost:\\d+`));
  await row.getByRole('button', { name: 'Show in preview' }).click();
  assert.equal(await page.getByLabel('Preview port').inputValue(), '8081');
  await page.frameLocator('.preview-frame').getByText('Directory listing').first().waitFor();
  await page.getByLabel('Preview port').selectOption('app'); // back to the app's own preview
  await ide.typeInTerminal('kill %1');
  await row.waitFor({ state: 'detached', timeout: 15_000 }); // gone from the list once it stops listening
});

test('the command palette (Ctrl+Shift+P) lists actions with their shortcuts and runs the one picked', async () => {
  await page.keyboard.press('Control+Shift+P');
  const palette = page.getByRole('dialog', { name: 'Commands' });
  await palette.waitFor();
  await palette.getByRole('option', { name: /Go to file.*Ctrl\+P/ }).waitFor();
  await page.keyboard.type('light theme');
  await page.keyboard.press('Enter');
  await palette.waitFor({ state: 'detached' });
  await retryUntilPasses(async () => {
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  }, 5000);
  await page.keyboard.press('Escape');
});

test('settings apply at once and survive a reload: font size, word wrap, Vim keys, autosave', async () => {
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByLabel('Font size').fill('18');
  await dialog.getByLabel('Word wrap').check();
  await dialog.getByLabel('Keys').selectOption('vim');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await ide.editorTab('src/lib/helpers.js').click();

  const check = async () => {
    const editor = page.locator('.document:not([hidden]) .cm-editor');
    await editor.waitFor();
    assert.equal(await editor.evaluate((el) => getComputedStyle(el).fontSize), '18px');
    assert.equal(await page.locator('.document:not([hidden]) .cm-lineWrapping').count(), 1);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  };
  await check();
  // Vim: in normal mode, `gg` then `dd` deletes the first line, and autosave writes it.
  await ide.editor.click();
  await page.keyboard.press('Escape');
  await page.keyboard.type('ggdd');
  await retryUntilPasses(() => {
    assert.equal(fs.readFileSync(workspaceFile('src/lib/helpers.js'), 'utf8'), 'two\n');
  }, 10_000);

  await page.reload();
  await ide.waitForShell();
  await check();
  // Still Vim after the reload: `gg` `dd` deletes the line that is left.
  await ide.editor.click();
  await page.keyboard.press('Escape');
  await page.keyboard.type('ggdd');
  await retryUntilPasses(() => {
    assert.equal(fs.readFileSync(workspaceFile('src/lib/helpers.js'), 'utf8'), '');
  }, 10_000);

  // Autosave off: nothing is written until Ctrl+S, and closing the unsaved tab asks first.
  await page.getByRole('button', { name: 'Settings' }).click();
  await dialog.getByLabel('Keys').selectOption('standard');
  await dialog.getByLabel('Autosave').uncheck();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await ide.editor.click();
  await page.keyboard.type('typed by hand');
  await ide.editorTab('src/lib/helpers.js').locator('.tab-close').click();
  const ask = page.getByRole('dialog', { name: 'Close without saving?' });
  await ask.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(fs.readFileSync(workspaceFile('src/lib/helpers.js'), 'utf8'), '');
  await ide.editor.click();
  await page.keyboard.press('Control+s');
  await retryUntilPasses(() => {
    assert.equal(fs.readFileSync(workspaceFile('src/lib/helpers.js'), 'utf8'), 'typed by hand');
  }, 10_000);
  assert.deepEqual(session.problems, [], 'no page errors');
});

test('git: import a repository served on loopback, see a change marked and its diff, commit it, branch', async (t) => {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
  const url = await serveRepository(t, 'project', (work) =>
    fs.writeFileSync(path.join(work, 'hello.js'), "console.log('hello');\n"),
  );
  await page.goto(ide.home);
  await page.getByLabel('Import a Git repository').fill(url);
  await page.getByRole('button', { name: 'Import repl' }).click();
  await page.waitForURL(/\/repl\/[a-z0-9]{12}/);
  await ide.waitForShell();
  const imported = new URL(page.url()).pathname.split('/')[2] ?? '';
  await ide.treeRow('hello.js').waitFor();
  await page.getByRole('tab', { name: /^Git/ }).click();
  assert.equal(await page.getByLabel('Branch', { exact: true }).inputValue(), 'main');
  await page.locator('.scm-view', { hasText: 'No changes since the last commit.' }).waitFor();

  // An edit: the tree marks the file, Source Control lists it, its diff shows both lines.
  await page.getByRole('tab', { name: 'Files' }).click();
  await ide.openFile('hello.js');
  await ide.editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type("console.log('changed in cubicle');");
  await page.keyboard.press('Control+s'); // (autosave is off since the settings test)
  await page.locator('.file-tree [data-path="hello.js"] [data-git=M]').waitFor();
  await page.getByRole('tab', { name: /^Git/ }).click();
  const row = page.locator('.scm-row[data-path="hello.js"]');
  await row.getByRole('button', { name: 'hello.js', exact: true }).click();
  const diff = page.getByRole('dialog', { name: /hello\.js/ });
  await diff.locator('.cm-content', { hasText: 'changed in cubicle' }).waitFor();
  assert.ok((await diff.locator('.cm-changedLine, .cm-insertedLine').count()) > 0, 'the new line is marked');
  await diff.getByRole('button', { name: 'Close' }).click();

  await page.getByLabel('Commit message').fill('Say something new');
  await page.getByRole('button', { name: 'Commit all' }).click();
  await page.locator('.scm-note', { hasText: /Committed [0-9a-f]{7}/ }).waitFor();
  await page.locator('.scm-view', { hasText: 'No changes since the last commit.' }).waitFor();
  const workspace = path.join(h.dataDir, 'sandboxes', imported, 'workspace');
  assert.equal(
    git(workspace, '-c', 'safe.directory=*', 'log', '--format=%s', '-n', '2').trim(),
    'Say something new\nfirst',
  );

  await page.getByLabel('New branch name').fill('feature/x');
  await page.getByRole('button', { name: 'Create branch' }).click();
  await retryUntilPasses(
    async () => assert.equal(await page.getByLabel('Branch', { exact: true }).inputValue(), 'feature/x'),
    10_000,
  );
  assert.deepEqual(session.problems, [], 'no page errors');
});

test('an import that leaves files out (a symlink) names them before the IDE opens', async (t) => {
  const url = await serveRepository(t, 'project', (work) => {
    fs.writeFileSync(path.join(work, 'main.py'), "print('hi')\n");
    fs.symlinkSync('/etc', path.join(work, 'etc-link'));
  });
  await page.goto(ide.home);
  await page.getByLabel('Import a Git repository').fill(url);
  await page.getByRole('button', { name: 'Import repl' }).click();
  const notice = page.getByRole('status', { name: 'Files left out of the import' });
  await notice.locator('li', { hasText: 'etc-link' }).waitFor();
  assert.match((await notice.textContent()) ?? '', /1 file was left out.*symbolic link/s);
  await notice.getByRole('button', { name: /^Open / }).click();
  await page.waitForURL(/\/repl\/[a-z0-9]{12}/);
  await ide.waitForShell();
  await ide.treeRow('main.py').waitFor();
  assert.equal(await ide.treeRow('etc-link').count(), 0, 'the link brought nothing in');
  assert.deepEqual(session.problems, [], 'no page errors');
});

test('the layout holds at 1024 px: the top bar and the status bar stay one line', async () => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.getByRole('button', { name: 'Settings' }).waitFor();
  for (const bar of ['.top-bar', '.status-bar']) {
    const box = await page.locator(bar).boundingBox();
    assert.ok(box && box.height < 48, `${bar} is ${box?.height}px high at 1024 px`);
  }
  await screenshot(page, 'ide-1024');
  await page.setViewportSize({ width: 1440, height: 900 });
});

/** A repository made by `fill`, served on loopback for this test alone. */
async function serveRepository(t: TestContext, name: string, fill: (work: string) => void): Promise<string> {
  const server = await startGitServer();
  t.after(() => server.close());
  return server.publish(name, fill);
}
