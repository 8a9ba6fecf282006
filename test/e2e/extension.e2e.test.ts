import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPC_METHODS } from '../../src/core/rpc';
import { VALID_DAPP_PARAMS } from '../background/validDappParams';
import type { ExtensionBrowser } from './browser';
import { buildExtension, dumpVault, launchWithExtension, onboard, requestAndApprove, startDappServer, uiCall, xmtpRequest } from './browser';

const PASSWORD = 'e2e password that is long';

let extensionDir: string;
let browser: ExtensionBrowser;
let server: Awaited<ReturnType<typeof startDappServer>>;
let extensionPage: Page;
let inboxId: string;
let address: string;

beforeAll(async () => {
  extensionDir = buildExtension();
  server = await startDappServer();
  browser = await launchWithExtension(extensionDir);
  ({ page: extensionPage, inboxId, address } = await onboard(browser, PASSWORD));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (extensionDir) rmSync(extensionDir, { recursive: true, force: true });
});

async function dapp(host: 'localhost' | '127.0.0.1', path = '/app'): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${server.origin(host)}${path}`);
  return page;
}

describe('the extension in real Chromium', { timeout: 90_000 }, () => {
  it('loads its worker under MV3 CSP and provides window.xmtp before page scripts run', async () => {
    expect(await browser.worker.evaluate(() => typeof chrome.runtime.id)).toBe('string');
    const page = await dapp('localhost', '/early');
    expect(await page.evaluate(() => (window as unknown as { seenAtStart: boolean }).seenAtStart)).toBe(true);
    const announced = await page.evaluate(() => {
      let info: unknown = null;
      window.addEventListener('xmtp:announceProvider', (e) => (info = (e as CustomEvent).detail.info));
      window.dispatchEvent(new Event('xmtp:requestProvider'));
      return info;
    });
    expect(announced).toMatchObject({ name: 'Parley', rdns: 'dev.parley.extension' });
    await page.close();
  });

  it('grants a site through the approval window, then answers xmtp_getInbox', async () => {
    const page = await dapp('localhost');
    expect((await xmtpRequest(page, 'xmtp_getAccess')).result).toBeNull();
    const { access, approvalOrigin } = await requestAndApprove(browser, page);
    expect(approvalOrigin).toBe(server.origin('localhost'));
    expect(access.result).toMatchObject({ origin: server.origin('localhost'), scope: 'site', inboxId, address });
    const inbox = await xmtpRequest(page, 'xmtp_getInbox');
    expect(inbox.result).toMatchObject({ inboxId, address });
    await page.close();
  });

  it('gives a second origin without a grant 4100 for every method that needs one', async () => {
    const page = await dapp('127.0.0.1');
    for (const method of RPC_METHODS.filter((m) => !['xmtp_requestAccess', 'xmtp_getAccess', 'xmtp_revokeAccess'].includes(m))) {
      const outcome = await xmtpRequest(page, method, VALID_DAPP_PARAMS[method]);
      expect(outcome.error?.code, method).toBe(4100);
    }
    expect((await xmtpRequest(page, 'xmtp_getAccess')).result).toBeNull();
    await page.close();
  });

  it('cuts access at once on revocation and tells the open page', async () => {
    const page = await dapp('localhost');
    expect((await xmtpRequest(page, 'xmtp_getInbox')).result).toBeDefined();
    await page.evaluate(() => {
      const w = window as unknown as { changes: unknown[]; xmtp: { on(e: string, f: (d: unknown) => void): void } };
      w.changes = [];
      w.xmtp.on('accessChanged', (d) => w.changes.push(d));
    });
    expect((await uiCall(extensionPage, 'grants_revoke', { origin: server.origin('localhost') })).ok).toBe(true);
    await page.waitForFunction(() => (window as unknown as { changes: unknown[] }).changes.length > 0, undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { changes: unknown[] }).changes)).toEqual([null]);
    expect((await xmtpRequest(page, 'xmtp_getInbox')).error?.code).toBe(4100);
    await page.close();
  });

  it('leaves no private key or password in the profile\'s IndexedDB', async () => {
    const privateKey = `0x${'5c'.repeat(32)}`;
    expect((await uiCall(extensionPage, 'identity_import', { privateKey, label: 'Imported key' })).ok).toBe(true);
    const dump = await dumpVault(extensionPage);
    expect(dump.length).toBeGreaterThan(1000);
    for (const secret of [privateKey.slice(2), PASSWORD, 'Imported key', address.slice(2)]) {
      expect(dump.includes(secret), secret).toBe(false);
    }
  });
});
