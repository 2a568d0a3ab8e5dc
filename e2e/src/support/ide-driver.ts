import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { terminalText } from './browser.js';
import { retryUntilPasses } from './retry.js';

/** What a person does in the IDE, as steps a test can read (a page object over the real UI). */
export class IdeDriver {
  constructor(
    readonly page: Page,
    private readonly port: number,
  ) {}

  /** The IDE's origin: `localhost`, so `<id>-ws.localhost` and `<id>.localhost` resolve in chromium. */
  get home(): string {
    return `http://localhost:${this.port}/`;
  }

  treeRow(path: string) {
    return this.page.locator(`.file-tree [role=treeitem][data-path="${path}"]`);
  }

  editorTab(path: string) {
    return this.page.locator(`.editor-area .tab[data-path="${path}"]`);
  }

  /** The visible editor's content element. */
  get editor() {
    return this.page.locator('.document:not([hidden]) .cm-content');
  }

  /** Creates a repl on the home page and waits for its IDE with a ready shell; returns its id. */
  async createRepl(templateTitle: RegExp, name: string): Promise<string> {
    await this.page.goto(this.home);
    await this.page.getByRole('radio', { name: templateTitle }).check();
    await this.page.getByLabel('Repl name').fill(name);
    await this.page.getByRole('button', { name: 'Create repl' }).click();
    await this.page.waitForURL(/\/repl\/[a-z0-9]{12}/);
    await this.waitForShell();
    return new URL(this.page.url()).pathname.split('/')[2] ?? '';
  }

  async waitForShell(): Promise<void> {
    await this.page.locator('.boot-screen').waitFor({ state: 'detached' });
    await this.page.locator('.terminal-view:not([hidden])[data-status=ready]').waitFor();
  }

  /**
   * Waits for the preview frame to show `heading`; on a timeout the failure says what the frame
   * showed instead (its address and text), which is what tells a sign-in loop from a slow app.
   */
  async waitForPreviewHeading(heading: string, timeoutMs = 30_000): Promise<void> {
    try {
      await this.page
        .frameLocator('iframe[title=Preview]')
        .getByRole('heading', { name: heading })
        .waitFor({ timeout: timeoutMs });
    } catch (err) {
      const frame = this.page.frames().find((f) => f.parentFrame() !== null);
      const text = await frame
        ?.locator('body')
        .textContent({ timeout: 1000 })
        .catch(() => '(unreadable)');
      throw new Error(
        `the preview never showed "${heading}"; it is at ${frame?.url()} showing: ${text?.slice(0, 600)}`,
        {
          cause: err,
        },
      );
    }
  }

  /** Turns autosave on or off in the settings dialog, as a person would. */
  async setAutosave(on: boolean): Promise<void> {
    await this.page.getByRole('button', { name: 'Settings' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByLabel('Autosave').setChecked(on);
    await dialog.getByRole('button', { name: 'Done' }).click();
  }

  async typeInTerminal(text: string): Promise<void> {
    await this.page.locator('.terminal-view:not([hidden]) .xterm-screen').click();
    await this.page.keyboard.type(text);
    await this.page.keyboard.press('Enter');
  }

  /** Waits until the visible terminal shows `pattern`; returns the screen text. */
  async waitForTerminal(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    let last = '';
    await retryUntilPasses(async () => {
      last = await terminalText(this.page);
      assert.match(last, pattern);
    }, timeoutMs);
    return last;
  }

  async openFile(path: string): Promise<void> {
    await this.treeRow(path).click();
    await this.page.locator(`.document:not([hidden])[data-path="${path}"]`).waitFor();
  }
}
