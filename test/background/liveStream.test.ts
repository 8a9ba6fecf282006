import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/rpc';
import { portPair } from '../content/fakePort';
import { tick, until } from '../content/fakeWindow';
import { createHarness, EXTENSION_ID, EXTENSION_ORIGIN, FakeMessaging, FakeSurfaces, resetBrowser } from './harness';
import { PASSWORD } from './vault/helpers';

afterEach(resetBrowser);

const DAPP = 'http://localhost:5173';
const POPUP = `${EXTENSION_ORIGIN}/src/popup/index.html`;

/** The harness engine with stored messages, so the badge has something to count. */
function engineWithStore(): { messaging: FakeMessaging; stored: Map<string, Message[]> } {
  const messaging = new FakeMessaging();
  const stored = new Map<string, Message[]>();
  Object.assign(messaging, { getMessages: async (conversationId: string) => stored.get(conversationId) ?? [] });
  return { messaging, stored };
}

function text(conversationId: string, body: string, sentAtNs: string): Message {
  return { id: `m${sentAtNs}`, conversationId, senderInboxId: 'peer', sentAtNs, contentType: 'xmtp.org/text:1.0', content: { type: 'text', text: body } };
}

/** A peer's message arrives: stored by the engine, then streamed. */
function arrives(messaging: FakeMessaging, stored: Map<string, Message[]>, conversation: { id: string }, message: Message): void {
  stored.set(conversation.id, [...(stored.get(conversation.id) ?? []), message]);
  const scope = [...messaging.conversations.values()].find((c) => c.id === conversation.id)!;
  messaging.listener?.message(message, scope);
}

describe('the worker streams whenever it is up and unlocked', () => {
  it('with no page and no popup open, a message sets the badge and raises a notification', async () => {
    const { messaging, stored } = engineWithStore();
    const surfaces = new FakeSurfaces();
    const h = await createHarness({ messaging, surfaces });
    await h.onboard();
    await until(() => messaging.listener !== null);
    const dm = messaging.add({ kind: 'dm', peerInboxId: 'peer' });
    arrives(messaging, stored, dm, text(dm.id, 'are you there?', '5'));
    await until(() => surfaces.badge === '1');
    expect(surfaces.notes).toEqual([{ id: dm.id, title: 'New message', message: 'are you there?' }]);
  });

  it('runs one stream for pages, the popup and the badge: opening them starts no second one', async () => {
    const h = await createHarness();
    await h.onboard();
    await until(() => h.messaging.streams === 1);
    const page = await h.grant(DAPP, 'inbox');
    const [, worker] = portPair('parley-inbox', { id: EXTENSION_ID, url: `${EXTENSION_ORIGIN}/src/popup/index.html` });
    h.bg.onConnect(worker);
    const group = h.messaging.add({ name: 'Team' });
    h.messaging.deliver(group, 'once');
    await until(() => page.events.some((e) => e.event === 'message'));
    await tick(20);
    expect(page.events.filter((e) => e.event === 'message')).toHaveLength(1);
    expect(h.messaging.streams).toBe(1);
  });

  it('stops on lock and streams again after unlock', async () => {
    const h = await createHarness();
    await h.onboard();
    await until(() => h.messaging.listener !== null);
    await h.ui('vault_lock');
    await until(() => h.messaging.listener === null);
    await h.ui('vault_unlock', { password: PASSWORD });
    await until(() => h.messaging.listener !== null);
    expect(h.messaging.streams).toBe(2);
  });

  it('streams again after a worker restart, before any page connects', async () => {
    const first = await createHarness();
    await first.onboard();
    first.bg.vault.close();
    const messaging = new FakeMessaging();
    await createHarness({ dbName: first.dbName, messaging });
    await until(() => messaging.listener !== null);
    expect(messaging.streams).toBe(1);
  });

  it('keeps trying, backing off, while the node cannot be reached, and streams once it can', async () => {
    const messaging = new FakeMessaging();
    let attempts = 0;
    const h = await createHarness({
      messaging,
      streamRetryMs: [10, 20],
      openMessaging: async () => {
        if (++attempts <= 3) throw new Error('node unreachable');
        return messaging;
      },
    });
    await h.onboard();
    await until(() => messaging.listener !== null);
    expect(attempts).toBe(4);
    expect(messaging.streams).toBe(1);
  });

  it('starts a new stream when the running one ends by itself', async () => {
    const h = await createHarness({ streamRetryMs: [10] });
    await h.onboard();
    await until(() => h.messaging.streams === 1);
    h.messaging.endStream();
    await until(() => h.messaging.streams === 2 && h.messaging.listener !== null);
  });

  it('wakes the stream from the periodic alarm, the fallback for a stopped worker', async () => {
    const h = await createHarness();
    await h.onboard();
    await until(() => h.messaging.streams === 1);
    h.messaging.endStream();
    // No retry delay passes here (the default is a second): the alarm starts it again at once.
    await h.bg.onAlarm('parley-sync');
    await until(() => h.messaging.streams === 2);
  });
});

describe('notifications honour consent and mutes', () => {
  async function ready() {
    const { messaging, stored } = engineWithStore();
    const surfaces = new FakeSurfaces();
    const h = await createHarness({ messaging, surfaces });
    await h.onboard();
    await until(() => messaging.listener !== null);
    return { h, messaging, stored, surfaces };
  }

  it('a muted conversation counts on the badge but raises no notification; unmuted, the next one does', async () => {
    const { h, messaging, stored, surfaces } = await ready();
    const dm = messaging.add({ kind: 'dm', peerInboxId: 'peer' });
    expect(await h.ui('conversation_setMuted', { conversationId: dm.id, muted: true }, POPUP)).toEqual({ ok: true, result: { muted: true } });
    expect((await h.ui('conversation_muted', { conversationId: dm.id }, POPUP)).result).toEqual({ muted: true });
    arrives(messaging, stored, dm, text(dm.id, 'quiet please', '5'));
    await until(() => surfaces.badge === '1');
    expect(surfaces.notes).toEqual([]);
    await h.ui('conversation_setMuted', { conversationId: dm.id, muted: false }, POPUP);
    // The alarm's recount does not bring back what arrived while muted.
    await h.bg.onAlarm('parley-sync');
    expect(surfaces.notes).toEqual([]);
    arrives(messaging, stored, dm, text(dm.id, 'now loud', '6'));
    await until(() => surfaces.notes.length === 1);
    expect(surfaces.notes[0]).toMatchObject({ id: dm.id, message: 'now loud' });
  });

  it('mutes belong to the identity that set them', async () => {
    const { h, messaging } = await ready();
    const dm = messaging.add({ kind: 'dm', peerInboxId: 'peer' });
    await h.ui('conversation_setMuted', { conversationId: dm.id, muted: true }, POPUP);
    const second = (await h.ui('identity_create', { label: 'Second' })).result as { id: string };
    await h.ui('identity_select', { id: second.id });
    expect((await h.ui('conversation_muted', { conversationId: dm.id }, POPUP)).result).toEqual({ muted: false });
  });

  it('a denied conversation raises no notification, no badge and no dApp event', async () => {
    const { h, messaging, stored, surfaces } = await ready();
    const page = await h.grant(DAPP, 'inbox');
    const blocked = messaging.add({ kind: 'dm', peerInboxId: 'spammer', consentState: 'denied' });
    const friend = messaging.add({ kind: 'dm', peerInboxId: 'peer' });
    arrives(messaging, stored, blocked, text(blocked.id, 'buy now', '5'));
    arrives(messaging, stored, friend, text(friend.id, 'hello', '6'));
    await until(() => surfaces.notes.length === 1 && page.events.some((e) => e.event === 'message'));
    await tick(20);
    expect(surfaces.notes.map((n) => n.id)).toEqual([friend.id]);
    expect(surfaces.badge).toBe('1');
    expect(page.events.filter((e) => e.event === 'message').map((e) => (e.data as Message).conversationId)).toEqual([friend.id]);
  });

  it('a message request raises one quiet notice without the stranger\'s words, then none until allowed', async () => {
    const { messaging, stored, surfaces } = await ready();
    const request = messaging.add({ kind: 'dm', peerInboxId: 'stranger', consentState: 'unknown' });
    arrives(messaging, stored, request, text(request.id, 'click this link', '5'));
    await until(() => surfaces.notes.length === 1);
    expect(surfaces.notes[0]).toEqual({ id: request.id, title: 'New message request', message: expect.not.stringContaining('click') as unknown as string, quiet: true });
    arrives(messaging, stored, request, text(request.id, 'again', '6'));
    await until(() => surfaces.badge === '2');
    await tick(20);
    expect(surfaces.notes).toHaveLength(1);
    messaging.conversations.get(request.id)!.consentState = 'allowed';
    arrives(messaging, stored, request, text(request.id, 'thanks for accepting', '7'));
    await until(() => surfaces.notes.length === 2);
    expect(surfaces.notes[1]).toMatchObject({ message: 'thanks for accepting' });
  });

  it('validates the mute messages and takes them from Parley\'s own pages only', async () => {
    const { h } = await ready();
    expect((await h.ui('conversation_setMuted', { conversationId: '../x', muted: true }, POPUP)).error).toMatchObject({ code: 'Rpc.InvalidParams' });
    expect((await h.ui('conversation_setMuted', { conversationId: 'ab', muted: 'yes' }, POPUP)).error).toMatchObject({ code: 'Rpc.InvalidParams' });
    const reply = (await h.bg.onUiMessage({ parley: 'ui', method: 'conversation_setMuted', params: { conversationId: 'ab', muted: true } }, { id: EXTENSION_ID, url: 'https://evil.example/', tab: { id: 1 } as chrome.tabs.Tab })) as { ok: boolean; error?: { code: string } };
    expect(reply).toMatchObject({ ok: false, error: { code: 'Rpc.Unauthorized' } });
  });
});
