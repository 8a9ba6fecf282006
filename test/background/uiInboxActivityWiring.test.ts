import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/rpc';
import { createHarness, EXTENSION_ID, EXTENSION_ORIGIN, FakeMessaging, resetBrowser } from './harness';

afterEach(resetBrowser);

/** The harness engine, with stored messages to count. */
class MessagesInStore extends FakeMessaging {
  readonly stored = new Map<string, Message[]>();
  override async getMessages(conversationId?: string): Promise<Message[]> {
    return this.stored.get(conversationId ?? '') ?? [];
  }
}

const POPUP = `${EXTENSION_ORIGIN}/src/popup/index.html`;

describe("the popup inbox's UI messages in the worker", () => {
  it('answers inbox_activity and inbox_markRead from the popup page', async () => {
    const messaging = new MessagesInStore();
    const h = await createHarness({ messaging });
    await h.onboard();
    const group = messaging.add({ name: 'Team' });
    messaging.stored.set(group.id, [
      { id: '01', conversationId: group.id, senderInboxId: 'peer', sentAtNs: '5', contentType: 'xmtp.org/text:1.0', content: { type: 'text', text: 'hi' } },
    ]);
    expect(await h.ui('inbox_activity', undefined, POPUP)).toEqual({ ok: true, result: { unread: { [group.id]: 1 }, total: 1 } });
    expect(await h.ui('inbox_markRead', { conversationId: group.id }, POPUP)).toEqual({ ok: true, result: { unread: {}, total: 0 } });
  });

  it('validates their params like every UI message', async () => {
    const h = await createHarness();
    await h.onboard();
    const reply = await h.ui('inbox_markRead', { conversationId: '../x' }, POPUP);
    expect(reply).toMatchObject({ ok: false, error: { code: 'Rpc.InvalidParams' } });
  });

  it('refuses them from web pages', async () => {
    const h = await createHarness();
    await h.onboard();
    const reply = await h.bg.onUiMessage({ parley: 'ui', method: 'inbox_activity' }, { id: EXTENSION_ID, url: 'https://evil.example/', tab: { id: 1 } as chrome.tabs.Tab });
    expect(reply).toMatchObject({ ok: false, error: { code: 'Rpc.Unauthorized' } });
  });
});
