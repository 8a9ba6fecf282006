import { computed, signal } from '@preact/signals';
import type { Conversation, Message } from '../../../core/rpc';
import type { InboxActivity } from '../../../core/rpc/ui';
import { isParleyError } from '../../../core/errors';
import type { PopupApi } from '../popupApi';
import { messageOf } from '../popupApi';
import { busyAction } from './busyAction';
import { coalesced } from './coalesced';

/** How many messages the conversation view shows, newest last. */
export const MESSAGE_PAGE = 50;

/** Conversations, unread counts and the open conversation's messages. */
export function createInboxStore(api: PopupApi, events: { onLocked?: () => void } = {}) {
  const conversations = signal<Conversation[]>([]);
  const unread = signal<Record<string, number>>({});
  const openId = signal<string | null>(null);
  const messages = signal<Message[]>([]);
  const error = signal('');
  const busy = signal(false);
  const loaded = signal(false);
  let identityId: string | null = null;
  const open = computed(() => conversations.value.find((c) => c.id === openId.value) ?? null);

  /** The vault auto-locked under the open popup: the lock screen, not an error line. */
  const failed = (e: unknown): void => {
    if (isParleyError(e, 'Vault.Locked')) events.onLocked?.();
    else error.value = messageOf(e);
  };

  const act = busyAction(error, busy, failed);

  const loadConversations = async (): Promise<void> => {
    const list = await api.dapp('xmtp_listConversations', {});
    // Newest first, as messengers list them.
    conversations.value = [...list].sort((a, b) => (BigInt(b.createdAtNs) > BigInt(a.createdAtNs) ? 1 : -1));
    loaded.value = true;
  };

  const loadMessages = async (id: string): Promise<void> => {
    const page = await api.dapp('xmtp_getMessages', { conversationId: id, limit: MESSAGE_PAGE });
    if (openId.value !== id) return;
    const before = messages.value;
    if (page.length !== before.length || page.at(-1)?.id !== before.at(-1)?.id) messages.value = page;
  };

  const markRead = async (id: string): Promise<void> => {
    unread.value = (await api.activity('inbox_markRead', { conversationId: id })).unread;
  };

  // Pushes come in bursts (a message, then its counts): one fetch at a time, and one more after
  // it if another push came meanwhile, instead of one per push.
  const reloadConversations = coalesced(loadConversations);
  const reloadOpenMessages = coalesced(async () => {
    const id = openId.value;
    if (id) await loadMessages(id);
  });
  const markOpenRead = coalesced(async () => {
    const id = openId.value;
    if (id && (unread.value[id] ?? 0) > 0) await markRead(id);
  });

  /** Counts from the worker: a conversation not in the list yet is fetched; the open one is read. */
  const applyCounts = async (activity: InboxActivity): Promise<void> => {
    unread.value = activity.unread;
    const known = new Set(conversations.value.map((c) => c.id));
    if (Object.keys(activity.unread).some((id) => !known.has(id))) await reloadConversations();
    await markOpenRead();
  };

  /** Runs a push's re-fetch; a failure shows like a failed call's (a lock: the lock screen). */
  const pushed = async (work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (e) {
      failed(e);
    }
  };

  const upsert = (c: Conversation): void => {
    conversations.value = [c, ...conversations.value.filter((x) => x.id !== c.id)];
  };

  return {
    conversations,
    unread,
    openId,
    open,
    messages,
    error,
    busy,
    loaded,
    /** A switched identity has other conversations: nothing of the last one stays on screen. */
    showIdentity: (id: string): void => {
      if (identityId !== null && identityId !== id) {
        openId.value = null;
        messages.value = [];
        conversations.value = [];
        unread.value = {};
        loaded.value = false;
      }
      identityId = id;
    },
    refresh: () =>
      act(async () => {
        await loadConversations();
        unread.value = (await api.activity('inbox_activity')).unread;
      }),
    /**
     * The safety resync (the port came back after the worker stopped, or the window regained
     * focus): pushes may have been missed, so the list, the counts (the worker syncs with the
     * node first) and the open conversation are fetched whole.
     */
    resync: (): Promise<void> =>
      pushed(async () => {
        await reloadConversations();
        await applyCounts(await api.activity('inbox_activity'));
        await reloadOpenMessages();
      }),
    /** Push: the list changed (a new conversation, a rename, members, consent). */
    conversationsChanged: (): Promise<void> => pushed(reloadConversations),
    /** Push: new messages in a conversation; only the open one's are fetched. */
    messagesArrived: (conversationId: string): Promise<void> =>
      pushed(async () => {
        if (!conversations.value.some((c) => c.id === conversationId)) await reloadConversations();
        if (openId.value === conversationId) await reloadOpenMessages();
      }),
    /** Push: the counts changed. */
    countsChanged: (activity: InboxActivity): Promise<void> => pushed(() => applyCounts(activity)),
    openConversation: (id: string) =>
      act(async () => {
        openId.value = id;
        messages.value = [];
        await loadMessages(id);
        await markRead(id);
      }),
    close: (): void => {
      openId.value = null;
      messages.value = [];
    },
    send: (text: string) =>
      act(async () => {
        const id = openId.value;
        if (!id) return;
        await api.dapp('xmtp_sendMessage', { conversationId: id, content: { type: 'text', text } });
        await reloadOpenMessages();
      }),
    createDm: (address: string) =>
      act(async () => {
        const dm = await api.dapp('xmtp_createDm', { identifier: address });
        upsert(dm);
        openId.value = dm.id;
        messages.value = [];
        await loadMessages(dm.id);
      }),
    createGroup: (addresses: string[], name: string) =>
      act(async () => {
        const group = await api.dapp('xmtp_createGroup', name ? { identifiers: addresses, name } : { identifiers: addresses });
        upsert(group);
        openId.value = group.id;
        messages.value = [];
        await loadMessages(group.id);
      }),
    setConsent: (state: 'allowed' | 'denied') =>
      act(async () => {
        const id = openId.value;
        if (!id) return;
        await api.dapp('xmtp_setConsent', { conversationId: id, state });
        conversations.value = conversations.value.map((c) => (c.id === id ? { ...c, consentState: state } : c));
        if (state === 'denied') {
          const { [id]: _, ...rest } = unread.value;
          unread.value = rest;
        }
      }),
  };
}

export type InboxStore = ReturnType<typeof createInboxStore>;
