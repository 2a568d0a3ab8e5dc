import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OrchestratorHarness } from '@cubicle/orchestrator/test-support/orchestrator-harness';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshot } from './support/browser.js';
import { IdeDriver } from './support/ide-driver.js';
import { type SignInStack, startSignInStack, type TestProvider } from './support/oidc-test-provider.js';

// A person signs in through the provider's real login page in Chromium, makes a repl, runs it,
// sees it in the IDE's preview frame, and shares it; a second browser that is not signed in
// is sent to sign in while the preview is private and sees the app once it is public.

let stack: SignInStack;
let provider: TestProvider;
let h: OrchestratorHarness;
let browser: Browser;
let signedIn: BrowserContext;
let stranger: BrowserContext;
let page: Page;
let ide: IdeDriver;

before(async () => {
  stack = await startSignInStack();
  ({ provider, h } = stack);
  browser = await launchBrowser();
  signedIn = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  stranger = await browser.newContext();
  page = await signedIn.newPage();
  page.setDefaultTimeout(20_000);
  ide = new IdeDriver(page, h.port);
});
after(async () => {
  await browser?.close();
  await stack?.close();
});

test('opening Cubicle without a session goes to the provider’s login page, and back once signed in', async () => {
  await page.goto(ide.home);
  await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`));
  await page.locator('input[name=login]').fill('alice');
  await page.locator('input[name=password]').fill('wonderland');
  await page.locator('button[type=submit]').click();
  await page.waitForURL(ide.home);
  await page.getByRole('button', { name: /Alice Liddell/ }).waitFor();
});

test('the signed-in user’s preview shows the app in the IDE’s frame; another browser is sent to sign in until it is shared', async () => {
  const id = await ide.createRepl(/Node/, 'shared-app');
  await page.getByRole('button', { name: 'Run the app' }).click();
  await ide.waitForPreviewHeading('Hello from Node.js');
  await screenshot(page, 'signed-in-preview');

  const previewUrl = `http://${id}.localhost:${h.port}/`;
  const visitor = await stranger.newPage();
  await visitor.goto(previewUrl);
  await visitor.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`));
  assert.equal(await visitor.getByRole('heading', { name: 'Hello from Node.js' }).count(), 0);

  await page.getByLabel('Who can open the preview').selectOption('public');
  await page.getByRole('status').filter({ hasText: 'Anyone with the link' }).waitFor();
  await visitor.goto(previewUrl);
  await visitor.getByRole('heading', { name: 'Hello from Node.js' }).waitFor();
  assert.equal(new URL(visitor.url()).host, `${id}.localhost:${h.port}`);

  await page.getByLabel('Who can open the preview').selectOption('private');
  await page.getByRole('status').filter({ hasText: 'Only you' }).waitFor();
  await visitor.goto(previewUrl);
  await visitor.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`));
});

test('an access token is made and shown once on the tokens page; signing out ends the session', async () => {
  await page.goto(ide.home);
  await page.getByRole('button', { name: /Alice Liddell/ }).click();
  await page.getByRole('menuitem', { name: 'Access tokens' }).click();
  await page.getByLabel('Token name').fill('laptop');
  await page.getByRole('button', { name: 'Make a token' }).click();
  const token = (await page.locator('.token-value').textContent()) ?? '';
  assert.match(token, /^cub_/);
  await page.getByRole('cell', { name: 'laptop' }).waitFor();
  await page.reload();
  await page.getByRole('cell', { name: 'laptop' }).waitFor();
  assert.equal(await page.locator('.token-value').count(), 0, 'shown once only');

  await page.getByRole('button', { name: /Alice Liddell/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  // The provider's own sign-out page follows (it asks before it ends its session too).
  await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/session/end`));
  const me = await page.request.get(`${ide.home}api/me`);
  assert.equal(me.status(), 401);
});
