import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore } from '../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { ParleyNode } from '../interop/parleyNode';
import { repoRoot } from '../interop/testEnv';
import type { ExtensionBrowser } from './browser';
import { buildExtension, launchWithExtension, onboard, peerReceivesDm, requestAndApprove, startDappServer, startDmAndSend, uiCall, xmtpRequest } from './browser';

/*
 * The popup inbox in real Chromium with the built extension: Alice onboards, points the popup
 * at a parley-node of this test, DMs Bob (a core Client in this process, on the same node),
 * and reads his reply in the popup. The screenshot is for people: test-results/popup-inbox.png.
 */

const PASSWORD = 'popup e2e password';
const SHOTS = join(repoRoot, 'test-results');

let extensionDir: string;
let browser: ExtensionBrowser;
let node: ParleyNode;
let server: Awaited<ReturnType<typeof startDappServer>>;
let address: string;
let inboxId: string;
let popup: Page;
let bob: Client;
let bobAddress: string;

async function openPopup(): Promise<Page> {
  const page = await browser.context.newPage();
  // The toolbar popup's size: the page is laid out for it.
  await page.setViewportSize({ width: 400, height: 640 });
  await page.goto(browser.extensionUrl('src/popup/index.html'));
  return page;
}

beforeAll(async () => {
  extensionDir = buildExtension();
  node = await ParleyNode.start();
  server = await startDappServer();
  browser = await launchWithExtension(extensionDir);
  const onboarded = await onboard(browser, PASSWORD);
  ({ address, inboxId } = onboarded);
  await onboarded.page.close();
  const bobKey = generateWalletPrivateKey();
  bob = await Client.create(privateKeySigner(bobKey), { apiUrl: node.webUrl, store: createMemoryStore() });
  bobAddress = bob.accountIdentifier.identifier;
  mkdirSync(SHOTS, { recursive: true });
  popup = await openPopup();
}, 180_000);

afterAll(async () => {
  bob?.close();
  await browser?.close();
  await server?.close();
  await node?.stop();
  if (extensionDir) rmSync(extensionDir, { recursive: true, force: true });
});

describe('the popup inbox in real Chromium', { timeout: 120_000 }, () => {
  it('shows the address and inbox id, and saves the node URL in Settings', async () => {
    await expect.poll(() => popup.getByTestId('address').textContent()).toBe(address);
    expect(await popup.getByTestId('inbox-id').getAttribute('title')).toBe(inboxId);
    await popup.screenshot({ path: join(SHOTS, 'popup-unlocked.png') });
    await popup.getByRole('tab', { name: 'Settings' }).click();
    const url = popup.getByRole('textbox', { name: 'Node URL' });
    await expect.poll(() => url.inputValue()).toBe('http://localhost:5557');
    await url.fill(node.webUrl);
    await popup.getByRole('button', { name: 'Save settings' }).click();
    await popup.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await popup.reload();
    await popup.getByRole('tab', { name: 'Settings' }).click();
    await expect.poll(() => popup.getByRole('textbox', { name: 'Node URL' }).inputValue()).toBe(node.webUrl);
  });

  it("starts a DM by address, sends, shows the peer's reply and its unread count", async () => {
    expect(await uiCall(popup, 'settings_set', { nodeUrl: node.webUrl })).toMatchObject({ ok: true });
    await popup.getByRole('tab', { name: /Conversations/ }).click();
    const log = await startDmAndSend(popup, bobAddress, 'gm bob, from the popup');

    // Bob, on the node side, gets the DM and the text, and answers.
    const dm = await peerReceivesDm(bob, 'gm bob, from the popup');
    await dm.sendText('gm alice, from the node');
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain('gm alice, from the node');
    await popup.screenshot({ path: join(SHOTS, 'popup-conversation.png') });

    // Back in the list, a message that arrives while the conversation is closed counts as unread.
    await popup.getByRole('button', { name: 'Back' }).click();
    await dm.sendText('are you there?');
    await popup.getByRole('button', { name: /^0x[0-9a-f]{4}…[0-9a-f]{4}, 1 unread$/ }).waitFor({ timeout: 30_000 });
    await popup.screenshot({ path: join(SHOTS, 'popup-inbox.png') });
    const badge = () => browser.worker.evaluate(() => chrome.action.getBadgeText({}));
    await expect.poll(badge, { timeout: 30_000 }).toBe('1');
    await popup.getByRole('button', { name: /^0x[0-9a-f]{4}…[0-9a-f]{4}/ }).click();
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain('are you there?');
    // Read in the popup: the badge clears.
    await expect.poll(badge, { timeout: 30_000 }).toBe('');
  });

  it('lists a site with access and revokes it', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin('localhost')}/app`);
    await requestAndApprove(browser, page);
    await popup.getByRole('tab', { name: 'Sites' }).click();
    const origin = server.origin('localhost');
    await popup.getByText(origin, { exact: true }).waitFor();
    await popup.getByText('This site only').waitFor();
    await popup.getByRole('button', { name: `Revoke ${origin}` }).click();
    await popup.getByText('No site has access.').waitFor();
    expect((await xmtpRequest(page, 'xmtp_getAccess')).result).toBeNull();
    await page.close();
  });

  it("shows a stranger's DM under Requests, and in the inbox by the stranger's address once accepted", async () => {
    const carol = await Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() });
    try {
      const carolAddress = carol.accountIdentifier.identifier.toLowerCase();
      const carolName = `${carolAddress.slice(0, 6)}…${carolAddress.slice(-4)}`;
      const dm = await carol.conversations.createDm(address);
      await dm.sendText('hi, we met at the conference');

      await popup.getByRole('tab', { name: /Conversations/ }).click();
      if (await popup.getByRole('button', { name: 'Back' }).isVisible()) await popup.getByRole('button', { name: 'Back' }).click();
      // Not in the inbox: a request, counted on its button, named by Carol's address (her identity log).
      await popup.getByRole('button', { name: 'Requests 1' }).click({ timeout: 60_000 });
      const requests = popup.getByRole('list', { name: 'Message requests' });
      await expect.poll(() => requests.textContent(), { timeout: 30_000 }).toContain('hi, we met at the conference');
      expect(await requests.textContent()).toContain(carolName);
      await popup.getByRole('button', { name: 'Inbox' }).click();
      expect(await popup.getByRole('list', { name: 'Conversations' }).textContent()).not.toContain(carolName);

      await popup.getByRole('button', { name: 'Requests 1' }).click();
      await popup.getByRole('button', { name: `Accept ${carolName}` }).click();
      await popup.getByText('No message requests.', { exact: false }).waitFor({ timeout: 30_000 });
      await popup.getByRole('button', { name: 'Inbox' }).click();
      const entry = popup.getByRole('button', { name: new RegExp(`^${carolName}`) });
      await entry.waitFor({ timeout: 30_000 });
      expect(await entry.getAttribute('title')).toBe(carolAddress);
      expect(await popup.getByRole('list', { name: 'Conversations' }).textContent()).toContain('hi, we met at the conference');

      // Open, the heading is her address, and the whole of it is one click away.
      await entry.click();
      await popup.getByRole('heading', { name: carolName }).waitFor();
      await popup.getByRole('button', { name: `Copy address ${carolAddress}` }).waitFor();
      await expect.poll(() => popup.getByRole('log', { name: 'Messages' }).textContent(), { timeout: 30_000 }).toContain('hi, we met at the conference');
      // Accepted in the popup is accepted for the worker too: the list says so after a reload.
      expect(((await uiCall(popup, 'inbox_request', { method: 'xmtp_listConversations', params: {} })).result as { id: string; consentState: string }[]).find((c) => c.id === dm.id)).toMatchObject({ consentState: 'allowed' });
    } finally {
      carol.close();
    }
  });
});
