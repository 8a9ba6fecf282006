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
  /** A new tab on one of the extension's own pages, `path` inside the build (the popup: src/popup/index.html). */
  openExtensionPage(path: string): Promise<DriverPage>;
  /** The next window the extension opens (the approval window) while `trigger` runs. */
  extensionWindowOpenedBy(trigger: () => unknown): Promise<DriverPage>;
  /**
   * Ends the extension's background and resolves once the browser reports it stopped; the next
   * event (a page's reconnecting Port, a request) starts it again from scratch. Chromium: the
   * service worker is stopped over CDP. Firefox: the event page is terminated from the browser's
   * chrome scope, as about:debugging's "Terminate background script" does (the add-on stays
   * installed and its open pages stay open, unlike runtime.reload()).
   */
  restartBackground(): Promise<void>;
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
    async openExtensionPage(path) {
      const page = await browser.context.newPage();
      await page.goto(browser.extensionUrl(path));
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
      const open = browser.context.pages().find((p) => p.url().startsWith('chrome-extension://'));
      // CDP's ServiceWorker domain needs a session on a page of the extension's.
      const page = open ?? (await browser.context.newPage());
      if (!open) await page.goto(browser.extensionUrl('src/popup/onboarding.html'));
      await stopWorker(browser, page);
      if (!open) await page.close();
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
  // --remote-allow-system-access lets WebDriver BiDi run script in the browser's chrome scope,
  // the one place that can open an extension page or terminate the event page (chromeScope).
  const browser: PuppeteerBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profileDir,
    args: ['--remote-allow-system-access'],
  });
  const addonId = await browser.installExtension(extensionDir);
  const inChrome = chromeScope(browser);
  const policy = `WebExtensionPolicy.getByID(${JSON.stringify(addonId)})`;
  const nextPage = async (trigger: () => unknown, what: string): Promise<DriverPage> => {
    const opened = new Promise<Target>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within 30 s`)), 30_000);
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
    if (!page) throw new Error(`the ${what} has no page`);
    return puppeteerPage(page);
  };
  return {
    name: 'firefox',
    async openPage(url) {
      const page = await browser.newPage();
      await page.goto(url);
      return puppeteerPage(page);
    },
    async openExtensionPage(path) {
      // BiDi's navigate to a moz-extension: URL never completes; a tab the browser itself opens does.
      const host = await inChrome(`${policy}.mozExtensionHostname`);
      const url = JSON.stringify(`moz-extension://${host}/${path}`);
      const page = await nextPage(
        () => inChrome(`(gBrowser.selectedTab = gBrowser.addTab(${url}, { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() }), 'opened')`),
        `tab on ${path}`,
      );
      // The new tab's document starts as about:blank; wait for the extension page itself.
      await waitForDocument(page, (href) => href.startsWith('moz-extension:') && href.endsWith(path));
      return page;
    },
    extensionWindowOpenedBy: (trigger) => nextPage(trigger, 'extension window'),
    async restartBackground() {
      const state = await inChrome(`${policy}.extension.terminateBackground().then(() => ${policy}.extension.backgroundState)`);
      if (state !== 'stopped') throw new Error(`the background page is ${state} after terminateBackground()`);
    },
    async close() {
      await browser.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** The part of puppeteer's BiDi connection used here (commands with Firefox's `moz:scope` extension). */
interface BidiConnection {
  send(method: string, params: object): Promise<{ result: unknown }>;
}

/**
 * Evaluates `expression` (a string or a promise of one) in the browser window's chrome scope and
 * returns the string; Firefox accepts `moz:scope: chrome` only with --remote-allow-system-access.
 */
function chromeScope(browser: PuppeteerBrowser): (expression: string) => Promise<string> {
  const connection = (browser as unknown as { connection: BidiConnection }).connection;
  let context: Promise<string> | undefined;
  return async (expression) => {
    context ??= connection.send('browsingContext.getTree', { 'moz:scope': 'chrome', maxDepth: 0 }).then(({ result }) => {
      const top = (result as { contexts: { context: string }[] }).contexts[0];
      if (!top) throw new Error('no chrome-scope browsing context (was Firefox started with --remote-allow-system-access?)');
      return top.context;
    });
    const { result } = await connection.send('script.evaluate', { expression, target: { context: await context }, awaitPromise: true });
    const evaluated = result as { type: string; result?: { value?: unknown }; exceptionDetails?: { text?: string } };
    if (evaluated.type !== 'success') throw new Error(`chrome-scope script failed: ${evaluated.exceptionDetails?.text ?? JSON.stringify(result)}`);
    return String(evaluated.result?.value);
  };
}

/** Polls the page's location until `done` holds (a fresh tab's document starts as about:blank). */
async function waitForDocument(page: DriverPage, done: (href: string) => boolean): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const state = await page.evaluate(() => ({ href: location.href, ready: document.readyState }), undefined).catch(() => ({ href: '', ready: '' }));
    if (done(state.href) && state.ready !== 'loading') return;
    if (Date.now() > until) throw new Error(`the tab is still at ${state.href || 'an unreadable document'} after 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
