import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/rpc';
import type { InboxUiEvent } from '../../src/core/rpc/ui';
import { INBOX_EVENTS_PORT } from '../../src/core/rpc/ui';
import { portPair } from '../content/fakePort';
import { tick, until } from '../content/fakeWindow';
import type { Harness } from './harness';
import { createHarness, EXTENSION_ID, EXTENSION_ORIGIN, FakeMessaging, resetBrowser } from './harness';
import { PASSWORD } from './vault/helpers';

afterEach(resetBrowser);

const POPUP = `${EXTENSION_ORIGIN}/src/popup/index.html`;
const DAPP = 'http://localhost:5173';

/** The popup page's end of its event port, and what the worker pushed on it. */
function openPopup(h: Harness, sender: chrome.runtime.MessageSender = { id: EXTENSION_ID, url: POPUP, origin: EXTENSION_ORIGIN }) {
  const [popup, worker] = portPair(INBOX_EVENTS_PORT, sender);
  const events: InboxUiEvent[] = [];
  let disconnected = false;
  popup.onMessage.addListener((m) => events.push(m as InboxUiEvent));
  popup.onDisconnect.addListener(() => (disconnected = true));
  h.bg.onConnect(worker);
  return { port: popup, events, disconnected: () => disconnected, named: (name: InboxUiEvent['event']) => events.filter((e) => e.event === name) };
}

function fromPopup(h: Harness, method: string, params?: unknown) {
  return h.bg.onUiMessage(params === undefined ? { parley: 'ui', method } : { parley: 'ui', method, params }, { id: EXTENSION_ID, url: POPUP });
}

/** The harness engine with stored messages, so unread counts have something to count. */
function withStore(): { messaging: FakeMessaging; stored: Map<string, Message[]> } {
  const messaging = new FakeMessaging();
  const stored = new Map<string, Message[]>();
  Object.assign(messaging, { getMessages: async (conversationId: string) => stored.get(conversationId) ?? [] });
  return { messaging, stored };
}

function textFrom(conversationId: string, sender: string, text: string, at: string): Message {
  return { id: `${conversationId}${at}`, conversationId, senderInboxId: sender, sentAtNs: at, contentType: 'xmtp.org/text:1.0', content: { type: 'text', text } };
}

describe('pushes to the open popup', () => {
  it('refuses the popup event port from a web page, and takes it from its own page', async () => {
    const h = await createHarness();
    await h.onboard();
    const fake = openPopup(h, { id: EXTENSION_ID, url: `${DAPP}/app`, origin: DAPP, tab: { id: 7 } as chrome.tabs.Tab, frameId: 0 });
    await until(() => fake.disconnected());
    const real = openPopup(h);
    await fromPopup(h, 'vault_lock');
    await until(() => real.events.length > 0);
    expect(real.events).toEqual([{ event: 'session' }]);
    expect(fake.events).toEqual([]);
  });

  it('keeps the one stream when the popup opens and closes (it runs while unlocked, page or not)', async () => {
    const h = await createHarness();
    await h.onboard();
    await until(() => h.messaging.listener !== null);
    const before = h.messaging.listener;
    const popup = openPopup(h);
    await tick();
    popup.port.disconnect();
    await tick();
    expect(h.messaging.listener).toBe(before);
  });

  it('tells the popup which conversation has a new message, and the new unread counts', async () => {
    const { messaging, stored } = withStore();
    const h = await createHarness({ messaging });
    await h.onboard();
    const popup = openPopup(h);
    await until(() => messaging.listener !== null);
    const group = messaging.add({ name: 'Team' });
    stored.set(group.id, [textFrom(group.id, 'peer', 'hi', '5')]);
    messaging.deliver(group, 'hi');
    await until(() => popup.named('unread').length > 0);
    expect(popup.named('messages')).toEqual([{ event: 'messages', conversationId: group.id }]);
    expect(popup.named('unread')).toEqual([{ event: 'unread', activity: { unread: { [group.id]: 1 }, total: 1 } }]);
    // Reading it elsewhere changes the counts: pushed again. The same counts are not pushed twice.
    await fromPopup(h, 'inbox_markRead', { conversationId: group.id });
    await until(() => popup.named('unread').length === 2);
    await fromPopup(h, 'inbox_activity');
    await tick(20);
    expect(popup.named('unread')).toEqual([
      { event: 'unread', activity: { unread: { [group.id]: 1 }, total: 1 } },
      { event: 'unread', activity: { unread: {}, total: 0 } },
    ]);
  });

  it('tells the popup the list changed when a site creates a conversation or the user blocks one, and recounts', async () => {
    const { messaging, stored } = withStore();
    const h = await createHarness({ messaging });
    await h.onboard();
    const dapp = await h.grant(DAPP);
    const popup = openPopup(h);
    const created = (await dapp.request('xmtp_createGroup', { identifiers: ['0x70997970c51812dc3a010c7d01b50e0d17dc79c8'], name: 'Team' })).result as { id: string };
    await until(() => popup.named('conversations').length === 1);
    stored.set(created.id, [textFrom(created.id, 'peer', 'spam', '5')]);
    await fromPopup(h, 'inbox_activity');
    await until(() => popup.named('unread').length === 1);
    await fromPopup(h, 'inbox_request', { method: 'xmtp_setConsent', params: { conversationId: created.id, state: 'denied' } });
    await until(() => popup.named('conversations').length === 2 && popup.named('unread').length === 2);
    expect(popup.named('unread').at(-1)).toEqual({ event: 'unread', activity: { unread: {}, total: 0 } });
  });

  it('tells the popup of a new conversation from the network, of grant changes and of lock and unlock', async () => {
    const h = await createHarness();
    await h.onboard();
    const popup = openPopup(h);
    await until(() => h.messaging.listener !== null);
    h.messaging.listener?.conversation(h.messaging.add({}));
    await until(() => popup.named('conversations').length === 1);
    await h.grant(DAPP);
    await until(() => popup.named('grants').length === 1);
    await fromPopup(h, 'grants_revoke', { origin: DAPP });
    await until(() => popup.named('grants').length === 2);
    await fromPopup(h, 'vault_lock');
    await until(() => popup.named('session').length === 1);
    await fromPopup(h, 'vault_unlock', { password: PASSWORD });
    await until(() => popup.named('session').length === 2);
  });

  it('pushes nothing to a popup that has closed', async () => {
    const h = await createHarness();
    await h.onboard();
    const popup = openPopup(h);
    popup.port.disconnect();
    await tick(10);
    await fromPopup(h, 'vault_lock');
    await tick(10);
    expect(popup.events).toEqual([]);
  });
});
