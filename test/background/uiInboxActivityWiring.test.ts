import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/rpc';
import type { Harness } from './harness';
import { createHarness, EXTENSION_ID, EXTENSION_ORIGIN, FakeMessaging, resetBrowser } from './harness';

afterEach(resetBrowser);

/** The harness engine, with stored messages to count. */
function messagesInStore(): { messaging: FakeMessaging; stored: Map<string, Message[]> } {
  const messaging = new FakeMessaging();
  const stored = new Map<string, Message[]>();
  Object.assign(messaging, { getMessages: async (conversationId: string) => stored.get(conversationId) ?? [] });
  return { messaging, stored };
}

const POPUP = `${EXTENSION_ORIGIN}/src/popup/index.html`;

/** A runtime message from the popup page, as chrome.runtime.sendMessage delivers it. */
function fromPopup(h: Harness, method: string, params?: unknown): Promise<unknown> {
  return h.bg.onUiMessage(params === undefined ? { parley: 'ui', method } : { parley: 'ui', method, params }, { id: EXTENSION_ID, url: POPUP });
}

describe("the popup inbox's UI messages in the worker", () => {
  it('answers inbox_activity and inbox_markRead from the popup page', async () => {
    const { messaging, stored } = messagesInStore();
    const h = await createHarness({ messaging });
    await h.onboard();
    const group = messaging.add({ name: 'Team' });
    stored.set(group.id, [
      { id: '01', conversationId: group.id, senderInboxId: 'peer', sentAtNs: '5', contentType: 'xmtp.org/text:1.0', content: { type: 'text', text: 'hi' } },
    ]);
    expect(await fromPopup(h, 'inbox_activity')).toEqual({ ok: true, result: { unread: { [group.id]: 1 }, total: 1 } });
    expect(await fromPopup(h, 'inbox_markRead', { conversationId: group.id })).toEqual({ ok: true, result: { unread: {}, total: 0 } });
  });

  it('validates their params like every UI message', async () => {
    const h = await createHarness();
    await h.onboard();
    const reply = await fromPopup(h, 'inbox_markRead', { conversationId: '../x' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'Rpc.InvalidParams' } });
  });

  it('refuses them from web pages', async () => {
    const h = await createHarness();
    await h.onboard();
    const reply = await h.bg.onUiMessage({ parley: 'ui', method: 'inbox_activity' }, { id: EXTENSION_ID, url: 'https://evil.example/', tab: { id: 1 } as chrome.tabs.Tab });
    expect(reply).toMatchObject({ ok: false, error: { code: 'Rpc.Unauthorized' } });
  });
});
