import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/rpc';
import type { ConversationView, Messaging } from '../../src/background/messaging';
import type { ActivityPlatform, MarksVault } from '../../src/background/uiInboxActivity';
import { badgeText, notificationText, SYNC_INTERVAL_MS, UiInboxActivity } from '../../src/background/uiInboxActivity';

const ME = 'a'.repeat(64);
const BOB = 'b'.repeat(64);
const SITE = 'http://localhost:5173';
/** 2023-11-14T22:13:20Z in ms; messages are sent around it. */
const T0 = 1_700_000_000_000;
const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();

class FakeVault implements MarksVault {
  isUnlocked = true;
  readonly records = new Map<string, unknown>();
  private readonly lockListeners: (() => void)[] = [];
  async get<T>(kind: string, key = ''): Promise<T | undefined> {
    return this.records.get(`${kind}/${key}`) as T | undefined;
  }
  async put(kind: string, key: string, value: unknown): Promise<void> {
    this.records.set(`${kind}/${key}`, structuredClone(value));
  }
  onLock(fn: () => void): () => void {
    this.lockListeners.push(fn);
    return () => undefined;
  }
  lock(): void {
    this.isUnlocked = false;
    for (const fn of this.lockListeners) fn();
  }
}

class FakeMessaging {
  readonly conversations: ConversationView[] = [];
  readonly messages = new Map<string, Message[]>();
  syncs = 0;
  nodeDown = false;
  readonly pages: { id: string; limit?: number; afterNs?: bigint }[] = [];
  add(conversation: Partial<ConversationView> & { id: string }): void {
    this.conversations.push({ kind: 'dm', createdAtNs: '1', consentState: 'allowed', memberInboxIds: [ME, BOB], ...conversation });
    this.messages.set(conversation.id, []);
  }
  receive(conversationId: string, text: string, atMs: number, sender = BOB): Message {
    const list = this.messages.get(conversationId) ?? [];
    const m: Message = {
      id: (list.length + 1).toString(16).padStart(4, '0') + conversationId,
      conversationId,
      senderInboxId: sender,
      sentAtNs: ns(atMs),
      contentType: 'xmtp.org/text:1.0',
      content: { type: 'text', text },
    };
    list.push(m);
    this.messages.set(conversationId, list);
    return m;
  }
  asMessaging(): Messaging {
    return {
      listConversationScopes: async () => [...this.conversations],
      getMessages: async (id: string, page: { limit?: number; afterNs?: bigint }) => {
        this.pages.push({ id, ...page });
        const after = (this.messages.get(id) ?? []).filter((m) => page.afterNs === undefined || BigInt(m.sentAtNs) > page.afterNs);
        return after.slice(-(page.limit ?? 50));
      },
      syncAll: async (onProgress?: (progress: { synced: number; total: number }) => void) => {
        this.syncs++;
        if (this.nodeDown) throw new Error('node unreachable');
        for (let i = 0; i <= this.conversations.length; i++) onProgress?.({ synced: i, total: this.conversations.length });
      },
    } as unknown as Messaging;
  }
}

function setup(opts: { focused?: string | null; popupOpen?: boolean; visible?: string[]; onSyncProgress?: (p: { synced: number; total: number }) => void } = {}) {
  const vault = new FakeVault();
  const messaging = new FakeMessaging();
  const badges: string[] = [];
  const notes: { id: string; title: string; message: string }[] = [];
  let now = T0;
  const platform: ActivityPlatform = {
    setBadge: async (text) => void badges.push(text),
    notify: async (id, note) => void notes.push({ id, ...note }),
    focusedOrigin: async () => opts.focused ?? null,
    popupOpen: async () => opts.popupOpen ?? false,
  };
  const api = messaging.asMessaging();
  const activity = new UiInboxActivity({
    vault,
    messaging: async () => api,
    ownInboxId: async () => ME,
    visibleOrigins: async () => opts.visible ?? [SITE],
    platform,
    now: () => now,
    ...(opts.onSyncProgress ? { onSyncProgress: opts.onSyncProgress } : {}),
  });
  return { vault, messaging, badges, notes, activity, advance: (ms: number) => (now += ms), at: () => now };
}

describe('unread counts and the badge', () => {
  it("counts other members' messages after the read mark, not my own or receipts", async () => {
    const { messaging, activity, badges, advance } = setup();
    await activity.unlocked();
    messaging.add({ id: '0d' });
    messaging.add({ id: '0e', kind: 'group', name: 'Team' });
    messaging.receive('0d', 'one', T0 + 1);
    messaging.receive('0d', 'mine', T0 + 2, ME);
    messaging.receive('0d', 'two', T0 + 3);
    messaging.receive('0e', 'hi all', T0 + 4);
    const receipt = messaging.receive('0e', '', T0 + 5);
    receipt.content = { type: 'readReceipt' };
    advance(10);
    expect(await activity.activity()).toEqual({ unread: { '0d': 2, '0e': 1 }, total: 3 });
    expect(badges.at(-1)).toBe('3');
  });

  it('marking a conversation read clears its count and lowers the badge', async () => {
    const { messaging, activity, badges } = setup();
    messaging.add({ id: '0d' });
    messaging.add({ id: '0e' });
    messaging.receive('0d', 'one', T0 - 5);
    messaging.receive('0e', 'two', T0 - 4);
    expect((await activity.activity()).total).toBe(2);
    expect(await activity.handle('inbox_markRead', { conversationId: '0d' })).toEqual({ unread: { '0e': 1 }, total: 1 });
    expect(badges.at(-1)).toBe('1');
    messaging.receive('0d', 'three', T0 + 1);
    expect((await activity.activity()).unread).toEqual({ '0d': 1, '0e': 1 });
  });

  it('reads only the messages after the read mark when it recounts', async () => {
    const { messaging, activity } = setup();
    messaging.add({ id: '0d' });
    for (let i = 0; i < 5; i++) messaging.receive('0d', `old ${i}`, T0 - 10 + i);
    await activity.markRead('0d');
    messaging.receive('0d', 'new', T0 + 1);
    messaging.pages.length = 0;
    expect(await activity.activity()).toEqual({ unread: { '0d': 1 }, total: 1 });
    expect(messaging.pages).toEqual([{ id: '0d', limit: 100, afterNs: BigInt(ns(T0 - 6)) }]);
  });

  it('sets the badge only when its text changes', async () => {
    const { messaging, activity, badges, advance } = setup();
    messaging.add({ id: '0d' });
    messaging.receive('0d', 'one', T0 - 1);
    await activity.activity();
    advance(SYNC_INTERVAL_MS);
    await activity.activity();
    expect(badges).toEqual(['1']);
    messaging.receive('0d', 'two', T0);
    await activity.activity();
    expect(badges).toEqual(['1', '2']);
  });

  it('leaves blocked conversations out', async () => {
    const { messaging, activity } = setup();
    messaging.add({ id: '0d', consentState: 'denied' });
    messaging.receive('0d', 'spam', T0 - 1);
    expect(await activity.activity()).toEqual({ unread: {}, total: 0 });
  });

  it('keeps read marks in the vault, so a new worker counts the same', async () => {
    const first = setup();
    first.messaging.add({ id: '0d' });
    first.messaging.receive('0d', 'one', T0 - 1);
    await first.activity.markRead('0d');
    const again = new UiInboxActivity({
      vault: first.vault,
      messaging: async () => first.messaging.asMessaging(),
      ownInboxId: async () => ME,
      visibleOrigins: async () => [],
      platform: { setBadge: async () => undefined, notify: async () => undefined, focusedOrigin: async () => null, popupOpen: async () => false },
    });
    expect((await again.activity()).total).toBe(0);
  });

  it('clears the badge when the vault locks', async () => {
    const { vault, messaging, activity, badges } = setup();
    messaging.add({ id: '0d' });
    messaging.receive('0d', 'one', T0 - 1);
    await activity.activity();
    vault.lock();
    await Promise.resolve();
    expect(badges.at(-1)).toBe('');
    expect(await activity.activity()).toEqual({ unread: {}, total: 0 });
  });

  it('syncs at most once per interval however often the popup asks, and counts when the node is down', async () => {
    const { messaging, activity, advance } = setup();
    messaging.add({ id: '0d' });
    messaging.receive('0d', 'one', T0 - 1);
    await activity.activity();
    await activity.activity();
    expect(messaging.syncs).toBe(1);
    advance(SYNC_INTERVAL_MS);
    messaging.nodeDown = true;
    expect((await activity.activity()).total).toBe(1);
    expect(messaging.syncs).toBe(2);
  });

  it('passes the sync the popup asked for its progress, conversation by conversation', async () => {
    const progress: { synced: number; total: number }[] = [];
    const { messaging, activity } = setup({ onSyncProgress: (p) => void progress.push(p) });
    messaging.add({ id: '0d' });
    messaging.add({ id: '0e' });
    await activity.unlocked();
    await activity.handle('inbox_activity', undefined);
    expect(progress).toEqual([
      { synced: 0, total: 2 },
      { synced: 1, total: 2 },
      { synced: 2, total: 2 },
    ]);
  });

  it('answers Vault.Locked while locked, so the popup shows its lock screen', async () => {
    const { vault, activity } = setup();
    vault.lock();
    expect(() => activity.handle('inbox_activity', undefined)).toThrow(expect.objectContaining({ code: 'Vault.Locked' }));
  });

  it('says 99+ past 99', () => {
    expect([badgeText(0), badgeText(7), badgeText(99), badgeText(100)]).toEqual(['', '7', '99', '99+']);
  });

  it('rejects a markRead without a hex conversation id', async () => {
    const { activity } = setup();
    await expect(() => activity.handle('inbox_markRead', { conversationId: 'not hex' })).toThrow(expect.objectContaining({ code: 'Rpc.InvalidParams' }));
  });
});

describe('new-message notifications', () => {
  it('notifies a new message when no tab of its site is focused, once', async () => {
    const { messaging, activity, notes, advance } = setup({ focused: 'https://elsewhere.example' });
    await activity.unlocked();
    messaging.add({ id: '0d' });
    advance(1000);
    messaging.receive('0d', 'are you there?', T0 + 500);
    await activity.activity();
    advance(SYNC_INTERVAL_MS);
    await activity.activity();
    expect(notes).toEqual([{ id: '0d', title: 'New message', message: 'are you there?' }]);
  });

  it("stays quiet while a tab of the conversation's site has the focus", async () => {
    const { messaging, activity, notes } = setup({ focused: SITE, visible: [SITE] });
    await activity.unlocked();
    messaging.add({ id: '0d' });
    const m = messaging.receive('0d', 'hi', T0 + 1);
    await activity.onMessage(m, messaging.conversations[0]!);
    expect(notes).toEqual([]);
  });

  it('stays quiet while the popup is open', async () => {
    const { messaging, activity, notes } = setup({ popupOpen: true });
    await activity.unlocked();
    messaging.add({ id: '0d' });
    const m = messaging.receive('0d', 'hi', T0 + 1);
    await activity.onMessage(m, messaging.conversations[0]!);
    expect(notes).toEqual([]);
  });

  it('notifies a live message at once and names the group', async () => {
    const { messaging, activity, notes, badges } = setup();
    await activity.unlocked();
    messaging.add({ id: '0e', kind: 'group', name: 'Team' });
    const m = messaging.receive('0e', 'standup?', T0 + 1);
    await activity.onMessage(m, messaging.conversations[0]!);
    expect(notes).toEqual([{ id: '0e', title: 'New message in Team', message: 'standup?' }]);
    expect(badges.at(-1)).toBe('1');
  });

  it('notifies a group name and text without their bidi overrides', async () => {
    const { messaging, activity, notes } = setup();
    await activity.unlocked();
    messaging.add({ id: '0f', kind: 'group', name: 'Support\u202E' });
    const m = messaging.receive('0f', 'send \u2067100\u2069 now\u200F', T0 + 1);
    await activity.onMessage(m, messaging.conversations[0]!);
    expect(notes).toEqual([{ id: '0f', title: 'New message in Support', message: 'send 100 now' }]);
  });

  it('does not notify my own messages', async () => {
    const { messaging, activity, notes } = setup();
    await activity.unlocked();
    messaging.add({ id: '0d' });
    const m = messaging.receive('0d', 'from me', T0 + 1, ME);
    await activity.onMessage(m, messaging.conversations[0]!);
    expect(notes).toEqual([]);
  });

  it('does not replay the backlog waiting at unlock', async () => {
    const { messaging, activity, notes, advance } = setup();
    messaging.add({ id: '0d' });
    messaging.receive('0d', 'old news', T0 - 60_000);
    await activity.unlocked();
    advance(SYNC_INTERVAL_MS);
    expect((await activity.activity()).total).toBe(1);
    expect(notes).toEqual([]);
  });

  it('shortens long texts and falls back for content without text', () => {
    const base: Message = { id: '01', conversationId: '0d', senderInboxId: BOB, sentAtNs: '1', contentType: 'xmtp.org/text:1.0', content: { type: 'text', text: 'x'.repeat(500) } };
    expect(notificationText(base)).toHaveLength(140);
    expect(notificationText({ ...base, content: { type: 'attachment', mimeType: 'image/png', data: '' }, fallback: 'An image' })).toBe('An image');
  });
});
