import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExtension, startDappServer } from './browser';

/*
 * Firefox smoke test: Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi, loads
 * dist/firefox as a temporary add-on; a page gets window.xmtp from the MAIN-world script and
 * the background script answers xmtp_getAccess through the relay.
 */

const FIREFOX = process.env['PARLEY_FIREFOX'] ?? '/usr/bin/firefox-esr';

let extensionDir: string;
let profileDir: string;
let browser: Browser;
let server: Awaited<ReturnType<typeof startDappServer>>;

beforeAll(async () => {
  const setupError = process.env['PARLEY_BROWSERS_SETUP_ERROR'];
  if (setupError) throw new Error(`Firefox is not available for the e2e tests: ${setupError}`);
  if (!existsSync(FIREFOX)) throw new Error(`Firefox is not available: ${FIREFOX} does not exist (apt-get install -y firefox-esr)`);
  extensionDir = buildExtension('firefox');
  server = await startDappServer();
  profileDir = mkdtempSync(join(tmpdir(), 'parley-firefox-'));
  browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir: profileDir });
  await browser.installExtension(extensionDir);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const dir of [extensionDir, profileDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the extension in Firefox ESR', { timeout: 90_000 }, () => {
  it('provides window.xmtp and answers xmtp_getAccess', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.origin('localhost')}/firefox`);
    await page.waitForFunction(() => 'xmtp' in window, { timeout: 30_000 });
    const access = await page.evaluate(() =>
      (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp.request({ method: 'xmtp_getAccess' }),
    );
    expect(access).toBeNull();
    const error = await page.evaluate(() =>
      (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp.request({ method: 'xmtp_getInbox' }).then(
        () => null,
        (e: { code: number }) => e.code,
      ),
    );
    expect(error).toBe(4100);
    await page.close();
  });
});
