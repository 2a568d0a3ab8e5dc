import {
  type OrchestratorHarness,
  startOrchestratorHarness,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage } from './browser.js';
import { IdeDriver } from './ide-driver.js';

/** A real orchestrator (with its runners and S3 server) and one chromium page on its IDE. */
export interface IdeSession {
  h: OrchestratorHarness;
  browser: Browser;
  page: Page;
  ide: IdeDriver;
  /** Page errors and console errors seen so far (network failures excluded). */
  problems: string[];
  close(): Promise<void>;
}

export async function startIdeSession(): Promise<IdeSession> {
  const h = await startOrchestratorHarness();
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const { page, problems } = await openPage(browser);
    page.setDefaultTimeout(20_000);
    const b = browser;
    return {
      h,
      browser: b,
      page,
      problems,
      ide: new IdeDriver(page, h.port),
      async close() {
        await b.close();
        await h.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await h.close();
    throw err;
  }
}
