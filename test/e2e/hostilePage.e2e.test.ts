import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/core/client';
import { Client as CoreClient, createMemoryStore } from '../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../src/core/identity';
import { appDataForOrigin } from '../../src/core/rpc';
import { eventually } from '../interop/eventually';
import { ParleyNode } from '../interop/parleyNode';
import type { ExtensionBrowser, RequestOutcome } from './browser';
import { buildExtension, closedByTheClick, launchWithExtension, onboard, peerReceivesDm, requestAndApprove, startDappServer, uiCall, xmtpRequest } from './browser';

/*
 * Hostile pages and hostile peers against the built extension in real headless Chromium, on a
 * parley-node of this test: a page without a grant floods xmtp_requestAccess, is rejected, and
 * closes its tab mid-request; a peer (a core Client in this process, on the same node) points a
 * group's app data at the user's site-scoped dApp, and starts another naming it from the start.
 */

const PASSWORD = 'hostile page e2e password';

let extensionDir: string;
let node: ParleyNode;
/** Pages that never get a grant. */
let hostile: Awaited<ReturnType<typeof startDappServer>>;
/** The dApp the user grants `site` scope. */
let trusted: Awaited<ReturnType<typeof startDappServer>>;
let browser: ExtensionBrowser;
let address: string;
/** The extension's inbox page, for the popup's own RPC channel (inbox_request). */
let popup: Page;
let mallory: Client;

beforeAll(async () => {
  extensionDir = buildExtension();
  node = await ParleyNode.start();
  hostile = await startDappServer();
  trusted = await startDappServer();
  browser = await launchWithExtension(extensionDir);
  const onboarded = await onboard(browser, PASSWORD);
  address = onboarded.address;
  const set = await uiCall(onboarded.page, 'settings_set', { nodeUrl: node.webUrl });
  if (!set.ok) throw new Error(`settings_set: ${JSON.stringify(set.error)}`);
  await onboarded.page.close();
  mallory = await CoreClient.create(privateKeySigner(generateWalletPrivateKey()), { apiUrl: node.webUrl, store: createMemoryStore() });
  popup = await browser.context.newPage();
  await popup.goto(browser.extensionUrl('src/popup/index.html'));
}, 180_000);

afterAll(async () => {
  mallory?.close();
  await browser?.close();
  await hostile?.close();
  await trusted?.close();
  await node?.stop();
  if (extensionDir) rmSync(extensionDir, { recursive: true, force: true });
});

/** Every page the browser opens from now on (approval windows are the only ones the test does not open). */
function pagesOpened(): { pages: Page[]; stop(): void } {
  const pages: Page[] = [];
  const onPage = (page: Page): void => void pages.push(page);
  browser.context.on('page', onPage);
  return { pages, stop: () => browser.context.off('page', onPage) };
}

async function openPage(url: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(url);
  return page;
}

/** The popup's inbox call, as the inbox page makes it (the whole inbox, no grant). */
async function inbox(method: string, params: unknown): Promise<unknown> {
  const reply = await uiCall(popup, 'inbox_request', { method, params });
  if (!reply.ok) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
  return reply.result;
}

/** Polls until `check` stops throwing (state another process reaches in its own time). */
function passes(what: string, check: () => unknown, timeoutMs = 60_000): Promise<true> {
  return eventually(what, async () => {
    await check();
    return true as const;
  }, { timeoutMs });
}

/** Waits until the user's worker holds `text` in the conversation (it streams while a page is open). */
async function workerHas(conversationId: string, text: string): Promise<void> {
  await passes(`the worker to have "${text}"`, async () => {
    const messages = (await inbox('xmtp_getMessages', { conversationId })) as { content: { text?: string } }[];
    expect(messages.map((m) => m.content.text)).toContain(text);
  });
}

const NOT_FOUND = { code: -32602, data: { code: 'Rpc.NotFound' } };

function expectRefused(outcome: RequestOutcome): void {
  expect(outcome.error).toMatchObject(NOT_FOUND);
}

/** The site-scoped dApp neither lists, reads nor writes the conversation, and got no event of it. */
async function expectHiddenFromDapp(dapp: Page, conversationId: string): Promise<void> {
  const listed = (await xmtpRequest(dapp, 'xmtp_listConversations', {})).result as { id: string }[];
  expect(listed.map((c) => c.id)).not.toContain(conversationId);
  expectRefused(await xmtpRequest(dapp, 'xmtp_getMessages', { conversationId }));
  expectRefused(await xmtpRequest(dapp, 'xmtp_sendMessage', { conversationId, content: { type: 'text', text: 'x' } }));
  // Nor its push-filter keys, which would tell the user's messages in it apart.
  expectRefused(await xmtpRequest(dapp, 'xmtp_hmacKeys', { conversationId }));
  const keys = (await xmtpRequest(dapp, 'xmtp_hmacKeys', {})).result as { groupId: string }[];
  expect(keys.map((k) => k.groupId)).not.toContain(conversationId);
  // Nor make commits in it.
  expectRefused(await xmtpRequest(dapp, 'xmtp_updateKeys', { conversationId }));
  const events = await dapp.evaluate(() => (window as unknown as { events: { id: string }[] }).events);
  expect(events.filter((e) => e.id === conversationId)).toEqual([]);
}

describe('a page without a grant', { timeout: 120_000 }, () => {
  it('opens exactly one approval window for 20 requests; a reject answers all 20 with 4001', async () => {
    const page = await openPage(`${hostile.origin('localhost')}/flood`);
    const opened = pagesOpened();
    try {
      await page.evaluate(() => {
        const w = window as unknown as { outcomes: unknown[]; xmtp: { request(a: unknown): Promise<unknown> } };
        w.outcomes = [];
        for (let i = 0; i < 20; i++) {
          w.xmtp.request({ method: 'xmtp_requestAccess' }).then(
            (r) => w.outcomes.push(r),
            (e: { code: number }) => w.outcomes.push(e.code),
          );
        }
      });
      await passes('an approval window', () => expect(opened.pages.length).toBeGreaterThan(0), 30_000);
      const approval = opened.pages[0]!;
      await approval.getByRole('button', { name: 'Reject' }).click().catch(closedByTheClick(approval));
      const outcomes = () => page.evaluate(() => (window as unknown as { outcomes: unknown[] }).outcomes);
      await passes('all 20 answers', async () => expect(await outcomes()).toHaveLength(20), 30_000);
      // Every request was answered, so the worker has handled all 20: one window among them.
      expect(await outcomes()).toEqual(Array(20).fill(4001));
      expect(opened.pages.map((p) => new URL(p.url()).pathname)).toEqual(['/src/popup/approval.html']);

      // Cooling down: the next request is refused without a window.
      expect((await xmtpRequest(page, 'xmtp_requestAccess')).error).toMatchObject({ code: 4001 });
      expect(opened.pages).toHaveLength(1);
    } finally {
      opened.stop();
      await page.close();
    }
  });

  it('closes the approval window of a pending request when its tab is closed', async () => {
    const page = await openPage(`${hostile.origin('127.0.0.1')}/closing`);
    const approvalOpened = browser.context.waitForEvent('page', { timeout: 30_000 });
    void xmtpRequest(page, 'xmtp_requestAccess').catch(() => undefined);
    const approval = await approvalOpened;
    await approval.getByRole('button', { name: 'Reject' }).waitFor({ timeout: 30_000 });
    const closed = approval.waitForEvent('close', { timeout: 30_000 });
    await page.close();
    await closed;
    expect(approval.isClosed()).toBe(true);
  });
});

describe('a peer against a site-scoped dApp', { timeout: 180_000 }, () => {
  let dapp: Page;
  let dappOrigin: string;

  it('the user grants the dApp the site scope, and the peer can reach the user', async () => {
    dappOrigin = trusted.origin('localhost');
    dapp = await openPage(`${dappOrigin}/app`);
    await dapp.evaluate(() => {
      const w = window as unknown as { events: { event: string; id: string }[]; xmtp: { on(e: string, f: (d: { id?: string; conversationId?: string }) => void): void } };
      w.events = [];
      w.xmtp.on('conversation', (c) => w.events.push({ event: 'conversation', id: c.id ?? '' }));
      w.xmtp.on('message', (m) => w.events.push({ event: 'message', id: m.conversationId ?? '' }));
    });
    expect((await requestAndApprove(browser, dapp)).access.result).toMatchObject({ scope: 'site', origin: dappOrigin });
    // The user's inbox registers when the worker first opens the engine.
    await passes('the user on the network', async () => expect((await mallory.canMessage([address])).get(address)).toBe(true));
  });

  it('keeps a group out of the dApp when the peer points its app data at the dApp after the user accepted it', async () => {
    const group = await mallory.conversations.createGroup([address], { name: 'Harmless' });
    await group.sendText('before the rewrite');
    await workerHas(group.id, 'before the rewrite');
    // Accepted by the user: allowed, but first seen naming no site.
    await inbox('xmtp_setConsent', { conversationId: group.id, state: 'allowed' });
    await group.updateAppData(appDataForOrigin(dappOrigin));
    await group.sendText('after the rewrite');
    // The message after the commit is readable only once the worker has applied the commit.
    await workerHas(group.id, 'after the rewrite');

    await expectHiddenFromDapp(dapp, group.id);
  });

  it("keeps a stranger's new group naming the dApp from the start out of it while the user has not accepted it", async () => {
    const group = await mallory.conversations.createGroup([address], { name: 'Free tokens', appData: appDataForOrigin(dappOrigin) });
    await group.sendText('claim now');
    await workerHas(group.id, 'claim now');

    await expectHiddenFromDapp(dapp, group.id);
  });

  it('lists a conversation created through the dApp, and a message sent on it reaches the peer', async () => {
    const created = await xmtpRequest(dapp, 'xmtp_createDm', { identifier: mallory.accountIdentifier.identifier });
    expect(created.error).toBeUndefined();
    const dmId = (created.result as { id: string }).id;
    const listed = (await xmtpRequest(dapp, 'xmtp_listConversations', {})).result as { id: string }[];
    expect(listed.map((c) => c.id)).toContain(dmId);
    expect((await xmtpRequest(dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text: 'hello from the dApp' } })).error).toBeUndefined();
    await passes('the peer to receive the message', () => peerReceivesDm(mallory, 'hello from the dApp'));
  });
});
