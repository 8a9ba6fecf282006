import { computed, signal } from '@preact/signals';
import type { Conversation, Message } from '../../../core/rpc';
import type { ConversationSummary, InboxActivity, InboxSummaries } from '../../../core/rpc/ui';
import { isParleyError } from '../../../core/errors';
import type { PopupApi } from '../popupApi';
import { inboxErrorText } from '../errorText';
import { busyAction } from './busyAction';
import { coalesced } from './coalesced';

/** How many messages the conversation view shows, newest last. */
export const MESSAGE_PAGE = 50;
/** Receipts come in runs after a message: this many of the newest find the message before them. */
const PREVIEW_PAGE = 10;

/** The inbox (accepted conversations) or the requests (strangers' conversations, and blocked ones). */
export type InboxSection = 'inbox' | 'requests';

/** Where a conversation is listed: consent "unknown" is a request until the user accepts or blocks it. */
export function sectionOf(c: Conversation): InboxSection {
  return c.consentState === 'allowed' ? 'inbox' : 'requests';
}

/** Decimal ns of the conversation's newest activity: its newest message, else its creation. */
export function lastActivityNs(c: Conversation, summary: ConversationSummary | undefined): bigint {
  const sent = summary?.lastMessage ? BigInt(summary.lastMessage.sentAtNs) : 0n;
  const created = BigInt(c.createdAtNs);
  return sent > created ? sent : created;
}

/** Conversations, unread counts and the open conversation's messages. */
export function createInboxStore(api: PopupApi, events: { onLocked?: () => void } = {}) {
  const all = signal<Conversation[]>([]);
  const summaries = signal<Record<string, ConversationSummary>>({});
  /** inbox id → account address: DM peers from the summaries, a group's senders when it opens. */
  const addresses = signal<Record<string, string>>({});
  const section = signal<InboxSection>('inbox');
  /** Up while the worker syncs with the node for the popup (a long first sync shows). */
  const syncing = signal(false);
  /** How far the worker's sync is, as it last said; null before it says or once done. */
  const syncProgress = signal<{ synced: number; total: number } | null>(null);
  // Newest activity first, as messengers list them.
  const conversations = computed(() =>
    [...all.value].sort((a, b) => {
      const x = lastActivityNs(a, summaries.value[a.id]);
      const y = lastActivityNs(b, summaries.value[b.id]);
      return x === y ? 0 : y > x ? 1 : -1;
    }),
  );
  const inboxList = computed(() => conversations.value.filter((c) => sectionOf(c) === 'inbox'));
  const requests = computed(() => conversations.value.filter((c) => c.consentState === 'unknown'));
  const blocked = computed(() => conversations.value.filter((c) => c.consentState === 'denied'));
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
    else error.value = inboxErrorText(e);
  };

  const act = busyAction(error, busy, failed);

  const applySummaries = (next: InboxSummaries): void => {
    summaries.value = next.conversations;
    addresses.value = { ...addresses.value, ...next.addresses };
  };

  const loadSummaries = async (): Promise<void> => applySummaries(await api.ui('inbox_summaries'));

  // The list and its names together: a DM shown by inbox id, then renamed a moment later, would jump.
  const loadConversations = async (): Promise<void> => {
    const [list, next] = await Promise.all([api.dapp('xmtp_listConversations', {}), api.ui('inbox_summaries')]);
    applySummaries(next);
    all.value = [...list];
    loaded.value = true;
  };

  /** A group's members by address: its senders are named by them. */
  const loadMemberAddresses = async (c: Conversation): Promise<void> => {
    const missing = c.memberInboxIds.filter((id) => addresses.value[id] === undefined);
    if (missing.length === 0) return;
    addresses.value = { ...addresses.value, ...(await api.ui('inbox_addresses', { inboxIds: missing })) };
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
  const reloadSummaries = coalesced(loadSummaries);

  /** One conversation's preview after a message came: its newest page, not every conversation's. */
  const refreshSummaryOf = async (id: string): Promise<void> => {
    const page = await api.dapp('xmtp_getMessages', { conversationId: id, limit: PREVIEW_PAGE });
    const last = page.findLast((m) => m.content.type !== 'readReceipt');
    summaries.value = { ...summaries.value, [id]: last ? { lastMessage: last } : {} };
    if (last && addresses.value[last.senderInboxId] === undefined) {
      addresses.value = { ...addresses.value, ...(await api.ui('inbox_addresses', { inboxIds: [last.senderInboxId] })) };
    }
  };
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
    all.value = [c, ...all.value.filter((x) => x.id !== c.id)];
  };

  /** Runs `work` with the syncing flag up: the worker syncs with the node first. */
  const whileSyncing = async <T>(work: () => Promise<T>): Promise<T> => {
    syncing.value = true;
    syncProgress.value = null;
    try {
      return await work();
    } finally {
      syncing.value = false;
      syncProgress.value = null;
    }
  };

  const setConsentOf = (id: string, state: 'allowed' | 'denied') =>
    act(async () => {
      await api.dapp('xmtp_setConsent', { conversationId: id, state });
      all.value = all.value.map((c) => (c.id === id ? { ...c, consentState: state } : c));
      if (state === 'denied') {
        const { [id]: _, ...rest } = unread.value;
        unread.value = rest;
      }
    });

  return {
    conversations,
    inboxList,
    requests,
    blocked,
    section,
    summaries,
    addresses,
    syncing,
    syncProgress,
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
        all.value = [];
        summaries.value = {};
        addresses.value = {};
        section.value = 'inbox';
        unread.value = {};
        loaded.value = false;
      }
      identityId = id;
    },
    refresh: () =>
      act(async () => {
        await loadConversations();
        // The counts come after the worker synced: an unknown id in them fetches the list again.
        await applyCounts(await whileSyncing(() => api.activity('inbox_activity')));
      }),
    /**
     * The safety resync (the port came back after the worker stopped, or the window regained
     * focus): pushes may have been missed, so the list, the counts (the worker syncs with the
     * node first) and the open conversation are fetched whole.
     */
    resync: (): Promise<void> =>
      pushed(async () => {
        await reloadConversations();
        await applyCounts(await whileSyncing(() => api.activity('inbox_activity')));
        await reloadOpenMessages();
      }),
    /** Push: the list changed (a new conversation, a rename, members, consent). */
    conversationsChanged: (): Promise<void> => pushed(reloadConversations),
    /** Push: new messages in a conversation; only the open one's are fetched. */
    messagesArrived: (conversationId: string): Promise<void> =>
      pushed(async () => {
        if (!all.value.some((c) => c.id === conversationId)) await reloadConversations();
        else await refreshSummaryOf(conversationId);
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
        const c = all.value.find((x) => x.id === id);
        if (c?.kind === 'group') await loadMemberAddresses(c);
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
        await reloadSummaries();
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
    /** The open conversation's consent. */
    setConsent: async (state: 'allowed' | 'denied'): Promise<boolean> => {
      const id = openId.value;
      return id ? setConsentOf(id, state) : false;
    },
    /** Accept (allowed: it moves to the inbox) or block a conversation from the list. */
    setConsentOf,
  };
}

export type InboxStore = ReturnType<typeof createInboxStore>;
