import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page, Worker } from 'playwright-core';
import { chromium } from 'playwright-core';
import { expect } from 'vitest';
import type { Client, Dm } from '../../src/core/client';

const repoRoot = join(import.meta.dirname, '..', '..');

/** Debian's chromium, as test/globalSetup.ts found it; a clear reason when it did not. */
export function chromiumPath(): string {
  const error = process.env['PARLEY_BROWSERS_SETUP_ERROR'];
  if (error) throw new Error(`Chromium is not available for the e2e tests: ${error}`);
  return process.env['PARLEY_CHROMIUM'] ?? '/usr/bin/chromium';
}

/**
 * Builds dist/chrome (or dist/firefox) under a lock, since several test files may build at
 * once, and copies it to a folder of this test's own, so a later rebuild cannot change files
 * under a running browser.
 */
export function buildExtension(target: 'chrome' | 'firefox' = 'chrome'): string {
  const args = [join(repoRoot, '.cache', 'e2e-build.lock'), 'npx', 'vite', 'build', ...(target === 'firefox' ? ['--mode', 'firefox'] : [])];
  const result = spawnSync('flock', args, { cwd: repoRoot, encoding: 'utf8', timeout: 5 * 60_000 });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
  const copy = mkdtempSync(join(tmpdir(), `parley-ext-${target}-`));
  cpSync(join(repoRoot, 'dist', target), copy, { recursive: true });
  return copy;
}

export interface ExtensionBrowser {
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
  extensionUrl(path: string): string;
  close(): Promise<void>;
}

/** Headless Chromium with the extension loaded, exactly as DESIGN §7 lists the flags. */
export async function launchWithExtension(extensionDir: string): Promise<ExtensionBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'parley-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }));
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    worker,
    extensionId,
    extensionUrl: (path) => `chrome-extension://${extensionId}/${path}`,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A loopback server for dApp pages; `localhost` and `127.0.0.1` on its port are two origins. */
export async function startDappServer(): Promise<{ port: number; origin(host: 'localhost' | '127.0.0.1'): string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    // The page's first script records whether window.xmtp was already there.
    res.end(
      `<!doctype html><html><head><script>window.seenAtStart = 'xmtp' in window;</script>` +
        `<title>dApp</title></head><body><h1>Test dApp</h1></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: (host) => `http://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Onboards through the UI: Password, Confirm password, then Create or Import identity. */
export async function onboard(browser: ExtensionBrowser, password: string, privateKey?: string): Promise<{ page: Page; address: string; inboxId: string }> {
  const page = await browser.context.newPage();
  await page.goto(browser.extensionUrl('src/popup/onboarding.html'));
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  if (privateKey) {
    await page.getByText('Use an existing Ethereum key').click();
    await page.getByLabel('Private key').fill(privateKey);
    await page.getByRole('button', { name: 'Import identity' }).click();
  } else {
    await page.getByRole('button', { name: 'Create identity' }).click();
  }
  await page.getByRole('heading', { name: 'Parley is ready' }).waitFor({ timeout: 30_000 });
  const address = (await page.getByTestId('address').textContent()) ?? '';
  const inboxId = (await page.getByTestId('inbox-id').textContent()) ?? '';
  return { page, address, inboxId };
}

export interface RequestOutcome {
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string } };
}

/**
 * Runs in the page: window.xmtp.request with the rejection turned into data. Params arrive as
 * null when absent (a WebDriver BiDi argument cannot be undefined) and are then left out.
 */
export async function xmtpRequestInPage([method, params]: readonly [string, unknown]): Promise<RequestOutcome> {
  const xmtp = (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp;
  try {
    return { result: await xmtp.request(params === null || params === undefined ? { method } : { method, params }) };
  } catch (e) {
    const err = e as { code: number; message: string; data?: { code?: string } };
    return { error: err.data === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, data: err.data } };
  }
}

/** window.xmtp.request in the page, with the rejection turned into data. */
export function xmtpRequest(page: Page, method: string, params?: unknown): Promise<RequestOutcome> {
  return page.evaluate(xmtpRequestInPage, [method, params ?? null] as const);
}

/**
 * For a click that closes its own window: the worker may answer and close the approval window
 * before Playwright has finished the click ("Target page … has been closed"); only an error
 * while the page is still open is a failure.
 */
export function closedByTheClick(page: Page): (error: unknown) => void {
  return (error) => {
    if (!page.isClosed()) throw error;
  };
}

/** Asks for access and approves it in the approval window; returns the granted Access. */
export async function requestAndApprove(browser: ExtensionBrowser, page: Page, scope?: 'site' | 'inbox'): Promise<{ access: RequestOutcome; approvalOrigin: string }> {
  const approvalPage = browser.context.waitForEvent('page', { timeout: 30_000 });
  const answer = xmtpRequest(page, 'xmtp_requestAccess', scope ? { scope } : undefined);
  const approval = await approvalPage;
  await approval.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 });
  const approvalOrigin = (await approval.getByTestId('origin').textContent()) ?? '';
  if (scope === 'inbox') await approval.getByLabel(/^Whole inbox:/).check();
  await approval.getByRole('button', { name: 'Approve' }).click().catch(closedByTheClick(approval));
  return { access: await answer, approvalOrigin };
}

/**
 * Stops the extension's service worker with CDP (ServiceWorker.stopAllWorkers) and resolves
 * once Chromium reports it stopped. Playwright's Worker 'close' does not fire for this, so the
 * CDP version updates are the witness.
 */
export async function stopWorker(browser: ExtensionBrowser, extensionPage: Page): Promise<void> {
  const cdp = await browser.context.newCDPSession(extensionPage);
  try {
    const prefix = `chrome-extension://${browser.extensionId}/`;
    const stopped = new Promise<void>((resolve) => {
      cdp.on('ServiceWorker.workerVersionUpdated', (event) => {
        if (event.versions.some((v) => v.scriptURL.startsWith(prefix) && v.runningStatus === 'stopped')) resolve();
      });
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await stopped;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** A runtime message to the worker from an extension page, as the popup would send it. */
export function uiCall(extensionPage: Page, method: string, params?: unknown): Promise<{ ok: boolean; result?: unknown; error?: unknown }> {
  return extensionPage.evaluate(
    ([m, p]) => chrome.runtime.sendMessage(p === undefined ? { parley: 'ui', method: m } : { parley: 'ui', method: m, params: p }),
    [method, params] as const,
  ) as Promise<{ ok: boolean; result?: unknown; error?: unknown }>;
}

/**
 * Everything the profile's vault database holds, as text: every key and string, and every byte
 * array both as hex and as UTF-8, so a secret in any of those forms can be searched for.
 */
export function dumpVault(extensionPage: Page): Promise<string> {
  return extensionPage.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('parley-vault');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const parts: string[] = [];
    const walk = (v: unknown): void => {
      if (v instanceof Uint8Array) parts.push(hex(v), new TextDecoder().decode(v));
      else if (v instanceof ArrayBuffer) walk(new Uint8Array(v));
      else if (typeof v === 'string') parts.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => (parts.push(k), walk(x)));
      else parts.push(String(v));
    };
    for (const name of Array.from(db.objectStoreNames)) {
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        const req = db.transaction(name).objectStore(name).getAll();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      walk(rows);
    }
    db.close();
    return parts.join('\n');
  });
}

/** Waits for `target`; a role=alert on the page instead fails at once with what it says. */
export async function appearsOrAlerts(page: Page, target: Locator, timeout = 60_000): Promise<void> {
  const alert = page.getByRole('alert');
  // Neither wait may reject unobserved: the one that loses the race settles later.
  const winner = await Promise.race([
    target.waitFor({ timeout }).then(() => 'target' as const, () => 'timeout' as const),
    alert.waitFor({ timeout }).then(() => 'alert' as const, () => 'timeout' as const),
  ]);
  if (winner === 'alert') throw new Error(`the page shows an error: ${await alert.textContent()}`);
  if (winner === 'timeout') throw new Error(`${target} did not appear within ${timeout} ms`);
}

/**
 * Starts a DM by address from a page with the New conversation form (the popup and the demo
 * dApp both have it), sends `text` and waits for it in the Messages log, which it returns.
 */
export async function startDmAndSend(page: Page, peerAddress: string, text: string): Promise<Locator> {
  await page.getByRole('textbox', { name: 'Address', exact: true }).fill(peerAddress);
  await page.getByRole('button', { name: 'Start DM' }).click();
  const composer = page.getByRole('textbox', { name: 'Message' });
  await appearsOrAlerts(page, composer);
  await composer.fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  const log = page.getByRole('log', { name: 'Messages' });
  await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain(text);
  return log;
}

/** The peer, a core Client on the node, finds the DM with `text` in it; the DM is returned for replies. */
export async function peerReceivesDm(peer: Client, text: string): Promise<Dm> {
  await peer.conversations.sync();
  const dm = (await peer.conversations.list()).find((c) => c.kind === 'dm') as Dm | undefined;
  expect(dm).toBeDefined();
  await dm!.sync();
  expect((await dm!.messages()).map((m) => (m.content as { text?: string }).text)).toContain(text);
  return dm!;
}
