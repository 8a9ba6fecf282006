import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyNode } from '../interop/parleyNode';
import type { ExtensionBrowser } from './browser';
import { buildExtension, dumpVault, launchWithExtension, onboard, requestAndApprove, startDappServer, stopWorker, uiCall, xmtpRequest } from './browser';

/*
 * Issue 5's story in two real browser profiles on one parley-node started by the test: Alice and
 * Bob onboard through the UI, each approves the same dApp, Alice DMs Bob; Bob's dApp sees it only
 * once Bob accepts it in his popup, then gets Alice's next message as a `message` event and replies; then Alice sends a burst of 50 while her worker is stopped in
 * the middle, and Bob has every message exactly once, in order.
 */

type Profile = { browser: ExtensionBrowser; extensionPage: Page; address: string; inboxId: string; dapp: Page };

let extensionDir: string;
let node: ParleyNode;
let server: Awaited<ReturnType<typeof startDappServer>>;
let alice: Profile;
let bob: Profile;
let dmId: string;

async function profile(password: string): Promise<Profile> {
  const browser = await launchWithExtension(extensionDir);
  const { page: extensionPage, address, inboxId } = await onboard(browser, password);
  const set = await uiCall(extensionPage, 'settings_set', { nodeUrl: node.webUrl });
  if (!set.ok) throw new Error(`settings_set: ${JSON.stringify(set.error)}`);
  const dapp = await browser.context.newPage();
  await dapp.goto(`${server.origin('localhost')}/dapp`);
  await dapp.evaluate(() => {
    const w = window as unknown as { received: unknown[]; announced: unknown[]; xmtp: { on(e: string, f: (d: unknown) => void): void } };
    w.received = [];
    w.announced = [];
    w.xmtp.on('message', (m) => w.received.push(m));
    w.xmtp.on('conversation', (c) => w.announced.push(c));
  });
  return { browser, extensionPage, address, inboxId, dapp };
}

function textsReceived(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    (window as unknown as { received: { content: { type: string; text?: string } }[] }).received.flatMap((m) => (m.content.type === 'text' ? [m.content.text ?? ''] : [])),
  );
}

/** The ids of the `conversation` events the page has received. */
function conversationsAnnounced(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { announced: { id: string }[] }).announced.map((c) => c.id));
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 400)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  extensionDir = buildExtension();
  node = await ParleyNode.start();
  server = await startDappServer();
  alice = await profile('alice e2e password');
  bob = await profile('bob e2e password');
}, 240_000);

afterAll(async () => {
  await alice?.browser.close();
  await bob?.browser.close();
  await server?.close();
  await node?.stop();
  if (extensionDir) rmSync(extensionDir, { recursive: true, force: true });
});

describe('two profiles, one dApp, one node', { timeout: 180_000 }, () => {
  it('Bob\'s dApp does not see Alice\'s DM until Bob accepts it in his popup', async () => {
    expect((await requestAndApprove(alice.browser, alice.dapp)).access.result).toMatchObject({ scope: 'site' });
    // Bob grants the default site scope: he sees Alice's DM because it carries the dApp's
    // origin in its app data (DESIGN §4), once he has accepted it.
    expect((await requestAndApprove(bob.browser, bob.dapp)).access.result).toMatchObject({ scope: 'site' });
    // Bob's inbox registers when his worker first opens the engine.
    await waitFor('Bob on the network', () => xmtpRequest(alice.dapp, 'xmtp_canMessage', { identifiers: [bob.address] }), (o) => (o.result as Record<string, boolean> | undefined)?.[bob.address] === true);

    const dm = await xmtpRequest(alice.dapp, 'xmtp_createDm', { identifier: bob.address });
    expect(dm.error).toBeUndefined();
    dmId = (dm.result as { id: string }).id;
    expect(dm.result).toMatchObject({ kind: 'dm', peerInboxId: bob.inboxId });
    expect((await xmtpRequest(alice.dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text: 'hello bob' } })).error).toBeUndefined();

    // Bob's worker has the DM and its message: his popup lists it as a request.
    const bobPopup = await bob.browser.context.newPage();
    await bobPopup.goto(bob.browser.extensionUrl('src/popup/index.html'));
    const inbox = (method: string, params: unknown) => uiCall(bobPopup, 'inbox_request', { method, params });
    await waitFor('Bob\'s worker to have the message', async () => {
      const reply = await inbox('xmtp_getMessages', { conversationId: dmId });
      return ((reply.result as { content: { text?: string } }[] | undefined) ?? []).map((m) => m.content.text);
    }, (t) => t.includes('hello bob'));
    expect(((await inbox('xmtp_listConversations', {})).result as { id: string; consentState: string }[]).find((c) => c.id === dmId)).toMatchObject({ consentState: 'unknown' });

    // Not yet accepted: the dApp neither lists it nor reads it, and had no event of it.
    expect(((await xmtpRequest(bob.dapp, 'xmtp_listConversations', {})).result as { id: string }[]).map((c) => c.id)).not.toContain(dmId);
    expect((await xmtpRequest(bob.dapp, 'xmtp_getMessages', { conversationId: dmId })).error).toMatchObject({ code: -32602, data: { code: 'Rpc.NotFound' } });
    expect(await textsReceived(bob.dapp)).toEqual([]);
    expect(await conversationsAnnounced(bob.dapp)).toEqual([]);

    // Bob accepts through the popup's RPC channel: his dApp is told, lists it and reads it.
    expect(await inbox('xmtp_setConsent', { conversationId: dmId, state: 'allowed' })).toMatchObject({ ok: true });
    await waitFor('Bob\'s conversation event', () => conversationsAnnounced(bob.dapp), (ids) => ids.includes(dmId));
    expect(((await xmtpRequest(bob.dapp, 'xmtp_listConversations', {})).result as { id: string }[]).map((c) => c.id)).toContain(dmId);
    const read = (await xmtpRequest(bob.dapp, 'xmtp_getMessages', { conversationId: dmId })).result as { content: { text?: string } }[];
    expect(read.map((m) => m.content.text)).toContain('hello bob');
    await bobPopup.close();
  });

  it('Alice writes again; Bob\'s dApp receives it as a message event and replies', async () => {
    expect(dmId).toBeDefined();
    expect((await xmtpRequest(alice.dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text: 'welcome, bob' } })).error).toBeUndefined();
    await waitFor('Bob\'s message event', () => textsReceived(bob.dapp), (t) => t.includes('welcome, bob'));
    const event = await bob.dapp.evaluate(() => (window as unknown as { received: { conversationId: string; senderInboxId: string }[] }).received[0]);
    expect(event).toMatchObject({ conversationId: dmId, senderInboxId: alice.inboxId });

    expect((await xmtpRequest(bob.dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text: 'hi alice' } })).error).toBeUndefined();
    await waitFor('Alice\'s message event', () => textsReceived(alice.dapp), (t) => t.includes('hi alice'));
  });

  it('delivers a burst of 50 exactly once and in order though Alice\'s worker is stopped in the middle', async () => {
    expect(dmId).toBeDefined();
    const texts = Array.from({ length: 50 }, (_, i) => `burst ${String(i).padStart(2, '0')}`);
    // All 50 go out at once; the worker takes them in arrival order.
    await alice.dapp.evaluate(
      ([conversationId, all]) => {
        const w = window as unknown as { outcomes: Record<string, unknown>; xmtp: { request(a: unknown): Promise<unknown> } };
        w.outcomes = {};
        for (const text of all) {
          w.xmtp.request({ method: 'xmtp_sendMessage', params: { conversationId, content: { type: 'text', text } } }).then(
            () => (w.outcomes[text] = 'sent'),
            (e: { code: number }) => (w.outcomes[text] = e.code),
          );
        }
      },
      [dmId, texts] as const,
    );
    const outcomes = () => alice.dapp.evaluate(() => (window as unknown as { outcomes: Record<string, unknown> }).outcomes);
    await waitFor('the first sends', outcomes, (o) => Object.keys(o).length >= 10);
    await stopWorker(alice.browser, alice.extensionPage);
    const settled = await waitFor('every send to settle', outcomes, (o) => Object.keys(o).length === texts.length);
    const failed = texts.filter((t) => settled[t] !== 'sent');
    expect(failed.every((t) => settled[t] === 4900)).toBe(true);
    console.log(`[e2e] burst: ${texts.length - failed.length} answered before the stop, ${failed.length} answered 4900`);

    // A dApp retries a 4900 send only if its message is not in the conversation yet: one that
    // reached the engine is stored with its intent and goes out when the worker resumes.
    const stored = (await xmtpRequest(alice.dapp, 'xmtp_getMessages', { conversationId: dmId, limit: 200 })).result as { content: { text?: string } }[];
    const have = new Set(stored.map((m) => m.content.text));
    for (const text of failed) {
      if (have.has(text)) continue;
      const retry = await xmtpRequest(alice.dapp, 'xmtp_sendMessage', { conversationId: dmId, content: { type: 'text', text } });
      expect(retry.error, text).toBeUndefined();
    }

    const bobTexts = async () => {
      const page = (await xmtpRequest(bob.dapp, 'xmtp_getMessages', { conversationId: dmId, limit: 200 })).result as { content: { text?: string } }[] | undefined;
      return (page ?? []).map((m) => m.content.text ?? '').filter((t) => t.startsWith('burst '));
    };
    const received = await waitFor('Bob to have the burst', bobTexts, (t) => t.length >= texts.length, 120_000);
    expect(received).toEqual(texts);
  });

  it('does not show a site-scoped site a conversation created through another site', async () => {
    const other = await alice.browser.context.newPage();
    await other.goto(`${server.origin('127.0.0.1')}/other`);
    expect((await requestAndApprove(alice.browser, other)).access.result).toMatchObject({ scope: 'site', origin: server.origin('127.0.0.1') });
    const list = (await xmtpRequest(other, 'xmtp_listConversations', {})).result as { id: string }[];
    expect(list.map((c) => c.id)).not.toContain(dmId);
    expect((await xmtpRequest(other, 'xmtp_getMessages', { conversationId: dmId })).error).toMatchObject({ code: -32602, data: { code: 'Rpc.NotFound' } });
    // The site it was created on still sees it.
    expect(((await xmtpRequest(alice.dapp, 'xmtp_listConversations', {})).result as { id: string }[]).map((c) => c.id)).toContain(dmId);
    await other.close();
  });

  it('leaves no password, key, message text or conversation id in Bob\'s IndexedDB after use', async () => {
    const dump = await dumpVault(bob.extensionPage);
    expect(dump.length).toBeGreaterThan(10_000);
    for (const secret of ['bob e2e password', 'hello bob', 'hi alice', 'burst 00', 'burst 49', dmId, bob.address.slice(2)]) {
      expect(dump.includes(secret), secret).toBe(false);
    }
  });
});
