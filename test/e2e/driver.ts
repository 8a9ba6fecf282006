import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser as PuppeteerBrowser, Page as PuppeteerPage, Target } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';
import type { Page as PlaywrightPage } from 'playwright-core';
import { launchWithExtension, stopWorker } from './browser';

/*
 * A small browser-neutral driver, so one scenario runs in Chromium (playwright-core, CDP) and in
 * Firefox (puppeteer-core, WebDriver BiDi). Everything a scenario does goes through `evaluate`:
 * Firefox's extension pages show as about:blank to BiDi, refuse navigation from it, and their
 * CSP blocks waitForFunction (DESIGN §7), so selectors, fills and waits are done by page code
 * (see scenario.ts) rather than by either library's locators.
 */

export type BrowserName = 'chromium' | 'firefox';

export interface DriverPage {
  /** Runs `fn(arg)` in the page and returns its (structured-clonable) result. */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  isClosed(): boolean;
  close(): Promise<void>;
}

export interface ExtensionDriver {
  name: BrowserName;
  /** A new tab at `url` (a dApp page: extension pages cannot be navigated to in Firefox). */
  openPage(url: string): Promise<DriverPage>;
  /** The next window the extension opens (the approval window) while `trigger` runs. */
  extensionWindowOpenedBy(trigger: () => unknown): Promise<DriverPage>;
  /**
   * Restarts the extension's background: Chromium's service worker is stopped over CDP (it
   * starts again on the next event); Firefox's background page is reloaded from `page`.
   */
  restartBackground(extensionPage: DriverPage): Promise<void>;
  close(): Promise<void>;
}

const FIREFOX = process.env['PARLEY_FIREFOX'] ?? '/usr/bin/firefox-esr';

export async function launchDriver(name: BrowserName, extensionDir: string): Promise<ExtensionDriver> {
  return name === 'chromium' ? launchChromiumDriver(extensionDir) : launchFirefoxDriver(extensionDir);
}

function playwrightPage(page: PlaywrightPage): DriverPage {
  return {
    // Playwright types the argument as Unboxed<A>; a scenario passes plain data, for which that is A.
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg),
    isClosed: () => page.isClosed(),
    close: () => page.close(),
  };
}

async function launchChromiumDriver(extensionDir: string): Promise<ExtensionDriver> {
  const browser = await launchWithExtension(extensionDir);
  return {
    name: 'chromium',
    async openPage(url) {
      const page = await browser.context.newPage();
      await page.goto(url);
      return playwrightPage(page);
    },
    async extensionWindowOpenedBy(trigger) {
      const opened = browser.context.waitForEvent('page', { timeout: 30_000 });
      void trigger();
      const page = await opened;
      await page.waitForLoadState('domcontentloaded');
      return playwrightPage(page);
    },
    async restartBackground() {
      const page = browser.context.pages().find((p) => p.url().startsWith('chrome-extension://')) ?? (await browser.context.newPage());
      if (!page.url().startsWith('chrome-extension://')) await page.goto(browser.extensionUrl('src/popup/onboarding.html'));
      await stopWorker(browser, page);
    },
    close: () => browser.close(),
  };
}

function puppeteerPage(page: PuppeteerPage): DriverPage {
  return {
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg) as Promise<R>,
    isClosed: () => page.isClosed(),
    close: () => page.close(),
  };
}

async function launchFirefoxDriver(extensionDir: string): Promise<ExtensionDriver> {
  const setupError = process.env['PARLEY_BROWSERS_SETUP_ERROR'];
  if (setupError) throw new Error(`Firefox is not available for the e2e tests: ${setupError}`);
  if (!existsSync(FIREFOX)) throw new Error(`Firefox is not available: ${FIREFOX} does not exist (apt-get install -y firefox-esr)`);
  const profileDir = mkdtempSync(join(tmpdir(), 'parley-firefox-'));
  const browser: PuppeteerBrowser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir: profileDir });
  await browser.installExtension(extensionDir);
  return {
    name: 'firefox',
    async openPage(url) {
      const page = await browser.newPage();
      await page.goto(url);
      return puppeteerPage(page);
    },
    async extensionWindowOpenedBy(trigger) {
      const opened = new Promise<Target>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no extension window within 30 s')), 30_000);
        const onTarget = (target: Target) => {
          if (target.type() !== 'page') return;
          clearTimeout(timer);
          browser.off('targetcreated', onTarget);
          resolve(target);
        };
        browser.on('targetcreated', onTarget);
      });
      void trigger();
      const page = await (await opened).page();
      if (!page) throw new Error('the extension window has no page');
      return puppeteerPage(page);
    },
    async restartBackground(extensionPage) {
      // Firefox has no CDP worker stop; the closest is a reload of the add-on, which ends its
      // background page (and every extension page) and starts it again from disk.
      await extensionPage.evaluate(() => chrome.runtime.reload(), undefined).catch(() => undefined);
    },
    async close() {
      await browser.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
