import { beforeEach, describe, expect, it } from 'vitest';
import { RPC_METHODS } from '../../src/core/rpc';
import { tick, until } from '../content/fakeWindow';
import { createHarness, EXTENSION_ORIGIN, resetBrowser } from './harness';
import { ALICE, VALID_DAPP_PARAMS } from './validDappParams';

const DAPP = 'http://localhost:5173';
const OTHER = 'https://other.test';
const POPUP = `${EXTENSION_ORIGIN}/src/popup/index.html`;

beforeEach(() => resetBrowser());

describe('worker router: validate → lock → grant → approval → handler', () => {
  it('rejects invalid params with -32602 before looking at lock or grant', async () => {
    const h = await createHarness();
    const page = h.page(DAPP);
    const { error } = await page.request('xmtp_createDm', { identifier: 'not an address' });
    expect(error).toMatchObject({ code: -32602, data: { code: 'Rpc.InvalidParams' } });
  });

  it('rejects an unknown method with 4200', async () => {
    const h = await createHarness();
    expect((await h.page(DAPP).request('eth_accounts')).error).toMatchObject({ code: 4200 });
  });

  it('answers 4100 "locked" before checking the grant', async () => {
    const h = await createHarness();
    await h.onboard();
    const page = await h.grant(DAPP);
    await h.ui('vault_lock');
    expect((await page.request('xmtp_getInbox')).error).toMatchObject({ code: 4100, data: { code: 'Vault.Locked' } });
    expect((await page.request('xmtp_getAccess')).result).toBeNull();
  });

  it('gives an origin without a grant 4100 for every method that needs one, and no prompt', async () => {
    const h = await createHarness();
    await h.onboard();
    await h.grant(DAPP);
    const other = h.page(OTHER);
    const opened = h.windows.opened.length;
    const needGrant = RPC_METHODS.filter((m) => !['xmtp_requestAccess', 'xmtp_getAccess', 'xmtp_revokeAccess'].includes(m));
    for (const method of needGrant) {
      const { error } = await other.request(method, VALID_DAPP_PARAMS[method]);
      expect(error, method).toMatchObject({ code: 4100, data: { code: 'Rpc.Unauthorized' } });
    }
    expect((await other.request('xmtp_getAccess')).result).toBeNull();
    expect(h.windows.opened.length).toBe(opened);
  });

  it('takes the origin from the port sender, never from the message', async () => {
    const h = await createHarness();
    await h.onboard();
    await h.grant(DAPP);
    const other = h.page(OTHER);
    const { error } = await other.request('xmtp_getInbox', { origin: DAPP });
    expect(error?.code).toBe(-32602);
    expect((await other.request('xmtp_getInbox')).error?.code).toBe(4100);
  });

  it('opens one approval window for a request, and answers with the grant once approved', async () => {
    const h = await createHarness();
    await h.onboard();
    const page = h.page(DAPP);
    const first = page.request('xmtp_requestAccess');
    const second = page.request('xmtp_requestAccess');
    await h.answerApproval(true);
    const [a, b] = await Promise.all([first, second]);
    expect(h.windows.opened).toHaveLength(1);
    expect(a.result).toMatchObject({ origin: DAPP, scope: 'site' });
    expect(b.result).toEqual(a.result);
    const inbox = (await page.request('xmtp_getInbox')).result as { inboxId: string; address: string; installationId: string };
    expect(inbox.inboxId).toMatch(/^[0-9a-f]{64}$/);
    expect(inbox.installationId).toMatch(/^[0-9a-f]{64}$/);
    // Asking again with a grant in place does not prompt.
    expect((await page.request('xmtp_requestAccess')).result).toEqual(a.result);
    expect(h.windows.opened).toHaveLength(1);
  });

  it('answers 4001 when the user rejects or closes the approval window, and then cools the origin down without a window', async () => {
    const h = await createHarness();
    await h.onboard();
    const page = h.page(DAPP);
    const rejected = page.request('xmtp_requestAccess');
    await h.answerApproval(false);
    expect((await rejected).error).toMatchObject({ code: 4001 });
    // Asking again at once: refused with no second window.
    const again = await page.request('xmtp_requestAccess');
    expect(again.error).toMatchObject({ code: 4001, data: { code: 'Rpc.UserRejected' } });
    expect(again.error?.message).toMatch(/rejected this site's request recently/);
    expect(h.windows.opened).toHaveLength(1);

    const other = h.page(OTHER);
    const closed = other.request('xmtp_requestAccess');
    await until(() => h.windows.opened.length === 2);
    h.bg.onWindowRemoved(100 + h.windows.opened.length);
    expect((await closed).error).toMatchObject({ code: 4001 });
    expect((await other.request('xmtp_requestAccess')).error).toMatchObject({ code: 4001 });
    expect(h.windows.opened).toHaveLength(2);
    expect((await page.request('xmtp_getAccess')).result).toBeNull();
  });

  it('a page that floods xmtp_requestAccess gets one approval window, and one reject answers every call', async () => {
    const h = await createHarness();
    await h.onboard();
    const page = h.page(DAPP);
    const calls = Array.from({ length: 20 }, () => page.request('xmtp_requestAccess', { scope: 'inbox' }));
    await until(() => h.windows.opened.length === 1);
    await tick();
    await h.answerApproval(false);
    const answers = await Promise.all(calls);
    expect(answers.every((a) => a.error?.code === 4001)).toBe(true);
    expect(h.windows.opened).toHaveLength(1);
  });

  it('drops a pending request and closes its window when the asking tab goes, with no cooldown', async () => {
    const h = await createHarness();
    await h.onboard();
    const page = h.page(DAPP);
    void page.request('xmtp_requestAccess');
    await until(() => h.windows.opened.length === 1);
    await tick();
    page.port.disconnect();
    await until(() => h.windows.closed.length === 1);
    expect(h.windows.closed).toEqual([101]);
    // The site may ask again from a new page: a new window, not a refusal.
    const next = h.page(DAPP).request('xmtp_requestAccess');
    await until(() => h.windows.opened.length === 2);
    await h.answerApproval(true);
    expect((await next).result).toMatchObject({ origin: DAPP, scope: 'site' });
  });

  it('prompts again to widen a site grant to the whole inbox', async () => {
    const h = await createHarness();
    await h.onboard();
    const page = await h.grant(DAPP, 'site');
    const widen = page.request('xmtp_requestAccess', { scope: 'inbox' });
    await until(() => h.windows.opened.length === 2);
    await h.answerApproval(true, 'inbox');
    expect((await widen).result).toMatchObject({ scope: 'inbox' });
  });

  it('onboards in the approval window when a site asks before any identity exists', async () => {
    const h = await createHarness();
    const page = h.page(DAPP);
    const answer = page.request('xmtp_requestAccess');
    await until(() => h.windows.opened.length === 1);
    const approvalId = h.windows.opened[0]!;
    // Approving before there is an identity is refused; the page onboards first.
    expect((await h.ui('approval_decide', { approvalId, approved: true })).error).toMatchObject({ code: 'Vault.Locked' });
    await h.onboard();
    expect((await h.ui('approval_decide', { approvalId, approved: true })).ok).toBe(true);
    expect((await answer).result).toMatchObject({ origin: DAPP });
  });
});

describe('revocation', () => {
  it('cuts access at once and tells that origin\'s open pages, and only them', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP);
    const dappTab2 = h.page(DAPP);
    const other = await h.grant(OTHER);
    expect((await h.ui('grants_revoke', { origin: DAPP })).ok).toBe(true);
    const revoked = (p: typeof dapp) => p.events.some((e) => e.event === 'accessChanged' && e.data === null);
    await until(() => revoked(dapp) && revoked(dappTab2));
    await tick(10);
    expect(dapp.events).toContainEqual({ event: 'accessChanged', data: null });
    expect(dappTab2.events).toContainEqual({ event: 'accessChanged', data: null });
    expect(other.events.filter((e) => e.event === 'accessChanged' && e.data === null)).toHaveLength(0);
    expect((await dapp.request('xmtp_getInbox')).error?.code).toBe(4100);
    expect((await other.request('xmtp_getInbox')).result).toBeDefined();
  });

  it('revokes from the page itself with xmtp_revokeAccess', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP);
    expect((await dapp.request('xmtp_revokeAccess')).result).toBe(true);
    expect((await dapp.request('xmtp_getAccess')).result).toBeNull();
    expect((await h.ui('grants_list')).result).toEqual([]);
  });
});

describe('site scope', () => {
  it('shows a site only what was created through it, named it in app data, or was shared with it', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const other = await h.grant(OTHER, 'site');
    const created = (await dapp.request('xmtp_createDm', { identifier: ALICE })).result as { id: string };
    const peerMade = h.messaging.add({ appDataOrigin: OTHER });
    const unrelated = h.messaging.add({});
    const ids = async (p: typeof dapp) => ((await p.request('xmtp_listConversations', {})).result as { id: string }[]).map((c) => c.id).sort();
    expect(await ids(dapp)).toEqual([created.id]);
    expect(await ids(other)).toEqual([peerMade.id]);
    // Another site cannot use a conversation it does not see: "not found", like one that does not exist.
    expect((await other.request('xmtp_sendMessage', { conversationId: created.id, content: { type: 'text', text: 'x' } })).error).toMatchObject({
      code: -32602,
      data: { code: 'Rpc.NotFound' },
    });
    expect((await h.ui('grants_share', { origin: OTHER, conversationId: unrelated.id })).ok).toBe(true);
    expect(await ids(other)).toEqual([peerMade.id, unrelated.id].sort());
  });

  it('keeps a stranger’s group naming the site out of its view and events until the user accepts it in the popup', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const other = await h.grant(OTHER, 'site');
    await until(() => h.messaging.listener !== null);
    const invite = h.messaging.add({ appDataOrigin: DAPP, consentState: 'unknown' });
    h.messaging.listener!.conversation(invite);
    h.messaging.deliver(invite, 'join us');
    await tick(20);
    const ids = async (p: typeof dapp) => ((await p.request('xmtp_listConversations', {})).result as { id: string }[]).map((c) => c.id);
    expect(await ids(dapp)).toEqual([]);
    expect((await dapp.request('xmtp_getMessages', { conversationId: invite.id })).error).toMatchObject({ code: -32602, data: { code: 'Rpc.NotFound' } });
    expect((await dapp.request('xmtp_sendMessage', { conversationId: invite.id, content: { type: 'text', text: 'x' } })).error).toMatchObject({ data: { code: 'Rpc.NotFound' } });
    expect(dapp.events.filter((e) => e.event === 'conversation' || e.event === 'message')).toEqual([]);

    // The user accepts the request in the popup: the dApp is told at once, and lists it.
    const accepted = await h.ui('inbox_request', { method: 'xmtp_setConsent', params: { conversationId: invite.id, state: 'allowed' } }, POPUP);
    expect(accepted.ok).toBe(true);
    await until(() => dapp.events.some((e) => e.event === 'conversation'));
    expect(dapp.events.filter((e) => e.event === 'conversation')).toEqual([{ event: 'conversation', data: expect.objectContaining({ id: invite.id }) }]);
    expect(dapp.events.find((e) => e.event === 'conversation')!.data).not.toHaveProperty('appDataOrigin');
    expect(await ids(dapp)).toEqual([invite.id]);
    expect((await dapp.request('xmtp_getMessages', { conversationId: invite.id })).result).toEqual([]);
    // The site it did not name sees neither it nor its event.
    expect(await ids(other)).toEqual([]);
    expect(other.events.filter((e) => e.event === 'conversation')).toEqual([]);

    // Blocked later: hidden again.
    expect((await h.ui('inbox_request', { method: 'xmtp_setConsent', params: { conversationId: invite.id, state: 'denied' } }, POPUP)).ok).toBe(true);
    expect(await ids(dapp)).toEqual([]);
  });

  it('shows the site a stranger’s group naming it once the user replies to it in the popup, and tells it', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const invite = h.messaging.add({ appDataOrigin: DAPP, consentState: 'unknown' });
    expect((await dapp.request('xmtp_listConversations', {})).result).toEqual([]);
    const reply = await h.ui('inbox_request', { method: 'xmtp_sendMessage', params: { conversationId: invite.id, content: { type: 'text', text: 'count me in' } } }, POPUP);
    expect(reply.ok).toBe(true);
    await until(() => dapp.events.some((e) => e.event === 'conversation'));
    expect(dapp.events.filter((e) => e.event === 'conversation')).toEqual([{ event: 'conversation', data: expect.objectContaining({ id: invite.id }) }]);
    expect(((await dapp.request('xmtp_listConversations', {})).result as { id: string }[]).map((c) => c.id)).toEqual([invite.id]);
  });

  it('keeps a denied stranger’s group naming the site hidden', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const invite = h.messaging.add({ appDataOrigin: DAPP, consentState: 'unknown' });
    expect((await h.ui('inbox_request', { method: 'xmtp_setConsent', params: { conversationId: invite.id, state: 'denied' } }, POPUP)).ok).toBe(true);
    await tick(20);
    expect((await dapp.request('xmtp_listConversations', {})).result).toEqual([]);
    expect(dapp.events.filter((e) => e.event === 'conversation')).toEqual([]);
  });

  it('shows an inbox-scoped site everything but denied conversations', async () => {
    const h = await createHarness();
    await h.onboard();
    const all = await h.grant(DAPP, 'inbox');
    const a = h.messaging.add({});
    h.messaging.add({ consentState: 'denied' });
    expect(((await all.request('xmtp_listConversations', {})).result as { id: string }[]).map((c) => c.id)).toEqual([a.id]);
  });

  it('pushes a message event only to the origins that may see its conversation', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const other = await h.grant(OTHER, 'site');
    const conversation = h.messaging.add({ appDataOrigin: DAPP });
    await tick(10);
    await until(() => h.messaging.listener !== null);
    h.messaging.deliver(conversation, 'hello');
    await until(() => dapp.events.some((e) => e.event === 'message'));
    await tick(20);
    expect(dapp.events.filter((e) => e.event === 'message')).toEqual([{ event: 'message', data: expect.objectContaining({ content: { type: 'text', text: 'hello' } }) }]);
    expect(other.events.filter((e) => e.event === 'message')).toEqual([]);
  });

  it('checks access on every send and read without reading the members of the conversation', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const conversation = h.messaging.add({ appDataOrigin: DAPP });
    const hidden = h.messaging.add({});
    h.messaging.viewsBuilt = 0;
    const send = (id: string) => dapp.request('xmtp_sendMessage', { conversationId: id, content: { type: 'text', text: 'x' } });
    expect((await send(conversation.id)).result).toEqual({ id: 'm1' });
    expect((await dapp.request('xmtp_getMessages', { conversationId: conversation.id })).result).toEqual([]);
    expect((await send(hidden.id)).error).toMatchObject({ data: { code: 'Rpc.NotFound' } });
    expect(h.messaging.viewsBuilt).toBe(0);
  });

  it('reads the members of only the conversations a site-scoped origin sees when it lists them', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const mine = h.messaging.add({ appDataOrigin: DAPP });
    for (let i = 0; i < 5; i++) h.messaging.add({});
    h.messaging.add({ appDataOrigin: DAPP, consentState: 'denied' });
    h.messaging.viewsBuilt = 0;
    expect(((await dapp.request('xmtp_listConversations', {})).result as { id: string }[]).map((c) => c.id)).toEqual([mine.id]);
    expect(h.messaging.viewsBuilt).toBe(1);
  });

  it('refuses group changes on a DM it sees, as before', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const dm = h.messaging.add({ kind: 'dm', appDataOrigin: DAPP });
    expect((await dapp.request('xmtp_updateGroup', { conversationId: dm.id, name: 'x' })).error).toMatchObject({ data: { code: 'Rpc.InvalidParams' } });
  });

  it('keeps a conversation\'s sends in the order they arrived', async () => {
    const h = await createHarness();
    await h.onboard();
    const dapp = await h.grant(DAPP, 'site');
    const conversation = (await dapp.request('xmtp_createGroup', { identifiers: [ALICE] })).result as { id: string };
    const texts = Array.from({ length: 30 }, (_, i) => `m${i}`);
    await Promise.all(texts.map((text) => dapp.request('xmtp_sendMessage', { conversationId: conversation.id, content: { type: 'text', text } })));
    expect(h.messaging.sent.map((s) => s.text)).toEqual(texts);
  });
});
