import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dm } from '../../src/core/client';
import { Client, createMemoryStore } from '../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { ParleyNode } from '../interop/parleyNode';
import type { ExtensionBrowser } from './browser';
import { buildExtension, launchWithExtension, onboard, uiCall } from './browser';

/*
 * Issue 10: with no dApp tab and no popup open, a peer's DM reaches the badge and a
 * notification through the worker's always-on stream, long before the one-minute sync alarm
 * would have fired; a muted conversation's and a denied one's messages raise none. The peers
 * are core Clients in this process on a parley-node of this test.
 */

const PASSWORD = 'notifications e2e password';
/** The sync alarm's name and period (src/background/background.ts). */
const SYNC_ALARM = 'parley-sync';

let extensionDir: string;
let browser: ExtensionBrowser;
let node: ParleyNode;
const peers: Client[] = [];
/** Each peer's side of the DM Alice opened with them, and Alice's conversation id for it. */
const dms = new Map<string, { peer: Client; dm: Dm; conversationId: string }>();

async function withExtensionPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  // Not the inbox page: the worker stays free to notify (an open inbox page shows messages itself).
  const page = await browser.context.newPage();
  await page.goto(browser.extensionUrl('src/popup/onboarding.html'));
  try {
    return await fn(page);
  } finally {
    await page.close();
  }
}

async function ok<T>(page: Page, method: string, params?: unknown): Promise<T> {
  const reply = await uiCall(page, method, params);
  if (!reply.ok) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
  return reply.result as T;
}

/** A registered peer; Alice opens a DM with it from the inbox, the peer joins it from the welcome. */
async function peerWithDm(name: string): Promise<void> {
  const peer = await Client.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() });
  peers.push(peer);
  const conversation = await withExtensionPage((page) =>
    ok<{ id: string }>(page, 'inbox_request', { method: 'xmtp_createDm', params: { identifier: peer.accountIdentifier.identifier } }),
  );
  await peer.conversations.sync();
  const dm = (await peer.conversations.list()).find((c) => c.kind === 'dm') as Dm | undefined;
  if (!dm) throw new Error(`${name} did not join Alice's DM`);
  dms.set(name, { peer, dm, conversationId: conversation.id });
}

const badge = () => browser.worker.evaluate(() => chrome.action.getBadgeText({}));
const notificationIds = () => browser.worker.evaluate(async () => Object.keys(await chrome.notifications.getAll()));
const clearNotification = (id: string) => browser.worker.evaluate((n) => chrome.notifications.clear(n), id);
const syncAlarm = () => browser.worker.evaluate((name) => chrome.alarms.get(name), SYNC_ALARM);

beforeAll(async () => {
  extensionDir = buildExtension();
  node = await ParleyNode.start();
  browser = await launchWithExtension(extensionDir);
  const onboarded = await onboard(browser, PASSWORD);
  await ok(onboarded.page, 'settings_set', { nodeUrl: node.webUrl });
  await onboarded.page.close();
  for (const name of ['bob', 'carol', 'dave']) await peerWithDm(name);
  await withExtensionPage(async (page) => {
    await ok(page, 'conversation_setMuted', { conversationId: dms.get('carol')!.conversationId, muted: true });
    await ok(page, 'inbox_request', { method: 'xmtp_setConsent', params: { conversationId: dms.get('dave')!.conversationId, state: 'denied' } });
  });
}, 240_000);

afterAll(async () => {
  for (const peer of peers) peer.close();
  await browser?.close();
  await node?.stop();
  if (extensionDir) rmSync(extensionDir, { recursive: true, force: true });
});

describe('notifications and the badge with no page open (Chromium)', { timeout: 120_000 }, () => {
  it("shows a peer's DM on the badge and as a notification before the one-minute alarm fires", async () => {
    // No dApp tab and no Parley page: only the blank tab Chromium starts with.
    expect(browser.context.pages().map((p) => p.url())).toEqual(['about:blank']);
    // The alarm restarted now at its one-minute period: a badge seen before it fires came from the stream.
    await browser.worker.evaluate((name) => chrome.alarms.create(name, { periodInMinutes: 1 }), SYNC_ALARM);
    const armed = await syncAlarm();
    expect(armed?.periodInMinutes).toBe(1);
    expect(await badge()).toBe('');

    const bob = dms.get('bob')!;
    await bob.dm.send({ type: 'text', text: 'are you there, Alice?' });
    await expect.poll(badge, { timeout: 15_000 }).toBe('1');
    await expect.poll(notificationIds, { timeout: 15_000 }).toContain(`parley-${bob.conversationId}`);
    // The alarm has not fired yet: its next time is still the one it was armed with.
    expect((await syncAlarm())?.scheduledTime).toBe(armed?.scheduledTime);
  });

  it("a muted conversation's message counts on the badge but raises no notification", async () => {
    const bob = dms.get('bob')!;
    const carol = dms.get('carol')!;
    await clearNotification(`parley-${bob.conversationId}`);
    await carol.dm.send({ type: 'text', text: 'muted hello' });
    await expect.poll(badge, { timeout: 15_000 }).toBe('2');
    // Bob's next message is the witness that the stream is past Carol's.
    await bob.dm.send({ type: 'text', text: 'still there?' });
    await expect.poll(notificationIds, { timeout: 15_000 }).toContain(`parley-${bob.conversationId}`);
    expect(await badge()).toBe('3');
    expect(await notificationIds()).not.toContain(`parley-${carol.conversationId}`);
  });

  it("a denied conversation's message raises no notification and leaves the badge alone", async () => {
    const bob = dms.get('bob')!;
    const dave = dms.get('dave')!;
    await clearNotification(`parley-${bob.conversationId}`);
    await dave.dm.send({ type: 'text', text: 'you were blocked' });
    await bob.dm.send({ type: 'text', text: 'third time' });
    await expect.poll(notificationIds, { timeout: 15_000 }).toContain(`parley-${bob.conversationId}`);
    // Sent before Bob's, Dave's message was on the node first: Bob's notification is the witness
    // that the stream got past it (a denied conversation is hidden from every read, the inbox's too).
    expect(await notificationIds()).not.toContain(`parley-${dave.conversationId}`);
    expect(await badge()).toBe('4');
  });
});
