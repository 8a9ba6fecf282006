import { computed, signal } from '@preact/signals';
import type { Conversation, Message } from '../../../core/rpc';
import { isParleyError } from '../../../core/errors';
import type { PopupApi } from '../popupApi';
import { messageOf } from '../popupApi';
import { busyAction } from './busyAction';

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
    /** The popup's heartbeat: sync in the worker, new counts, the open conversation's new messages. */
    poll: async (): Promise<void> => {
      try {
        const activity = await api.activity('inbox_activity');
        const known = new Set(conversations.value.map((c) => c.id));
        if (Object.keys(activity.unread).some((id) => !known.has(id))) await loadConversations();
        unread.value = activity.unread;
        const id = openId.value;
        if (id) {
          await loadMessages(id);
          if ((activity.unread[id] ?? 0) > 0) await markRead(id);
        }
      } catch (e) {
        failed(e);
      }
    },
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
        await loadMessages(id);
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
