import type { SyncProgress } from '../core/client';
import { stripFormatControls } from '../core/content';
import { ParleyError } from '../core/errors';
import type { Message } from '../core/rpc';
import type { InboxActivity, InboxUiMethod, InboxUiSchema } from '../core/rpc/ui';
import { validateInboxUiParams } from '../core/rpc/ui';
import type { ConversationScope, Messaging } from './messaging';
import { isPersonMessage, shouldNotify } from './shouldNotify';

/** The browser surfaces unread messages show on; the worker passes chrome.*, tests a fake. */
export interface ActivityPlatform {
  setBadge(text: string): Promise<void>;
  /** `quiet`: no sound or vibration where the browser can say so (a message request's notice). */
  notify(id: string, note: { title: string; message: string; quiet?: boolean }): Promise<void>;
  /** The origin of the active tab of the focused window, or null (no window focused, not a web page). */
  focusedOrigin(): Promise<string | null>;
  /** Whether the popup inbox is open: then it shows new messages itself. */
  popupOpen(): Promise<boolean>;
}

/** What of the vault the read marks need: sealed records, and the lock. */
export interface MarksVault {
  readonly isUnlocked: boolean;
  get<T>(kind: string, key?: string): Promise<T | undefined>;
  put(kind: string, key: string, value: unknown): Promise<void>;
  onLock(fn: () => void): () => void;
}

export interface InboxActivityDeps {
  vault: MarksVault;
  messaging: () => Promise<Messaging>;
  /** The active identity's inbox id; undefined when there is none. */
  ownInboxId: () => Promise<string | undefined>;
  /** Origins whose grant lets them see the conversation: a focused tab of one of them means the user is there already. */
  visibleOrigins: (conversation: ConversationScope) => Promise<string[]>;
  platform: ActivityPlatform;
  /** Whether the user muted the conversation (for the active identity); none muted when absent. */
  muted?: (conversationId: string) => Promise<boolean>;
  /** Told the counts whenever they change (the worker pushes them to the open popup). */
  onCounts?: (activity: InboxActivity) => void;
  /** Told how far the sync the popup asked for is (the worker pushes it to the open popup). */
  onSyncProgress?: (progress: SyncProgress) => void;
  now?: () => number;
}

interface Marks {
  /** Decimal ns: messages sent at or before this are read. */
  readNs: string;
  /** Decimal ns: newest message a notification was shown (or skipped) for. */
  notifiedNs: string;
  /** The one notice of a message request was shown. */
  requestNoticed?: boolean;
}

const MARKS = 'inboxMarks';
const WATCH_SINCE = 'inboxWatchSince';
/** Recounting reads at most this many recent messages per conversation; the badge says "99+" past 99. */
export const UNREAD_SCAN_LIMIT = 100;
/** The popup asks on open, focus and reconnect; asks inside this window reuse the last sync. */
export const SYNC_INTERVAL_MS = 2500;
const NOTIFICATION_CHARS = 140;

/** Content a person reads: receipts and membership changes are not "unread messages". */
function countsAsUnread(message: Message, ownInboxId: string): boolean {
  return message.senderInboxId !== ownInboxId && isPersonMessage(message.content.type);
}

export function badgeText(total: number): string {
  return total <= 0 ? '' : total > 99 ? '99+' : String(total);
}

/** What a notification says of a message, without bidi overrides; attachments and other types by their fallback. */
export function notificationText(message: Message): string {
  const c = message.content;
  const text = stripFormatControls(c.type === 'text' ? c.text : c.type === 'markdown' ? c.markdown : c.type === 'reply' && c.content.type === 'text' ? c.content.text : (message.fallback ?? 'New message'));
  return text.length > NOTIFICATION_CHARS ? `${text.slice(0, NOTIFICATION_CHARS - 1)}…` : text;
}

/**
 * Unread counts, the action badge and new-message notifications (issue 5), over the Messaging
 * interface: counts are recomputed from stored messages against per-conversation read marks
 * sealed in the vault, so a restarted worker gives the same answer.
 */
export class UiInboxActivity {
  private lastSync = -Infinity;
  private syncing: Promise<void> | null = null;
  /** The counts last told to onCounts, as JSON: the same counts are not told twice. */
  private told = '';
  /** The badge text last set: setting it again is a browser call for nothing. */
  private badge: string | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: InboxActivityDeps) {
    this.now = deps.now ?? Date.now;
    deps.vault.onLock(() => {
      this.lastSync = -Infinity;
      this.told = '';
      this.badge = '';
      void deps.platform.setBadge('').catch(() => undefined);
    });
  }

  /** The UI-message handlers; `params` are validated here like every UI message. */
  handle<M extends InboxUiMethod>(method: M, params: unknown): Promise<InboxUiSchema[M]['result']> {
    const valid = (validateInboxUiParams[method] as (p: unknown) => InboxUiSchema[M]['params'])(params);
    // The popup shows its lock screen on this code (auto-lock under an open popup).
    if (!this.deps.vault.isUnlocked) throw new ParleyError('Vault.Locked', 'Parley is locked.');
    if (method === 'inbox_markRead') return this.markRead((valid as InboxUiSchema['inbox_markRead']['params']).conversationId);
    return this.activity();
  }

  /**
   * After unlock: the badge shows what is waiting, without notifying the backlog. The time is
   * sealed, not kept in memory: a worker that slept through a message must still notify it.
   */
  async unlocked(): Promise<void> {
    await this.deps.vault.put(WATCH_SINCE, '', this.nowNs());
    await this.recount(false);
  }

  /** Syncs (throttled), recounts, updates the badge and notifies what is new. */
  async activity(): Promise<InboxActivity> {
    await this.sync();
    return this.recount(true);
  }

  /** The periodic alarm: the worker synced already. */
  afterSync(): Promise<InboxActivity> {
    this.lastSync = this.now();
    return this.recount(true);
  }

  async markRead(conversationId: string): Promise<InboxActivity> {
    const messaging = await this.deps.messaging();
    const newest = (await messaging.getMessages(conversationId, { limit: 1 })).at(-1);
    if (newest) {
      const marks = await this.marks(conversationId);
      if (BigInt(newest.sentAtNs) > BigInt(marks.readNs)) {
        await this.deps.vault.put(MARKS, conversationId, { ...marks, readNs: newest.sentAtNs, notifiedNs: maxNs(marks.notifiedNs, newest.sentAtNs) });
      }
    }
    return this.recount(false);
  }

  /** After a change that moves counts without a message (consent): recount, badge, no notification. */
  recountNow(): Promise<InboxActivity> {
    return this.recount(false);
  }

  /** A live message from the stream: badge and notification at once. */
  async onMessage(message: Message, conversation: ConversationScope): Promise<void> {
    const own = await this.deps.ownInboxId();
    if (!own || !countsAsUnread(message, own) || conversation.consentState === 'denied') return;
    await this.notifyIfNew(conversation, message);
    await this.recount(false);
  }

  private async sync(): Promise<void> {
    if (this.now() - this.lastSync < SYNC_INTERVAL_MS) return;
    this.syncing ??= (async () => {
      try {
        await (await this.deps.messaging()).syncAll(this.deps.onSyncProgress);
        this.lastSync = this.now();
      } finally {
        this.syncing = null;
      }
    })();
    // A node that is down must not hide what is already stored: count anyway.
    await this.syncing.catch(() => undefined);
  }

  private async recount(notify: boolean): Promise<InboxActivity> {
    const own = await this.deps.ownInboxId();
    if (!own || !this.deps.vault.isUnlocked) return { unread: {}, total: 0 };
    const messaging = await this.deps.messaging();
    const unread: Record<string, number> = {};
    let total = 0;
    for (const conversation of await messaging.listConversationScopes({})) {
      if (conversation.consentState === 'denied') continue;
      const marks = await this.marks(conversation.id);
      const readNs = BigInt(marks.readNs);
      // Newest first, the messages after the read mark are a prefix of all of them: reading only
      // those counts the same, and reads little in a conversation read recently.
      const page = readNs > 0n ? { limit: UNREAD_SCAN_LIMIT, afterNs: readNs } : { limit: UNREAD_SCAN_LIMIT };
      const recent = await messaging.getMessages(conversation.id, page);
      const fresh = recent.filter((m) => countsAsUnread(m, own) && BigInt(m.sentAtNs) > readNs);
      if (fresh.length === 0) continue;
      unread[conversation.id] = fresh.length;
      total += fresh.length;
      const newest = fresh.at(-1);
      if (notify && newest && BigInt(newest.sentAtNs) > (await this.watchingSince())) await this.notifyIfNew(conversation, newest);
    }
    const badge = badgeText(total);
    if (badge !== this.badge) {
      this.badge = badge;
      await this.deps.platform.setBadge(badge).catch(() => {
        if (this.badge === badge) this.badge = undefined;
      });
    }
    const counts = { unread, total };
    const json = JSON.stringify(counts);
    if (json !== this.told && this.deps.vault.isUnlocked) {
      this.told = json;
      this.deps.onCounts?.(counts);
    }
    return counts;
  }

  private async notifyIfNew(conversation: ConversationScope, message: Message): Promise<void> {
    const own = await this.deps.ownInboxId();
    if (!own) return;
    const marks = await this.marks(conversation.id);
    const sentAtNs = BigInt(message.sentAtNs);
    const decision = shouldNotify({
      ownInboxId: own,
      senderInboxId: message.senderInboxId,
      contentType: message.content.type,
      consentState: conversation.consentState,
      muted: (await this.deps.muted?.(conversation.id)) ?? false,
      sentAtNs,
      readNs: BigInt(marks.readNs),
      notifiedNs: BigInt(marks.notifiedNs),
      requestNoticed: marks.requestNoticed === true,
    });
    // Seen either way: a message skipped while muted must not notify after an unmute.
    if (sentAtNs > BigInt(marks.notifiedNs) || decision === 'request') {
      await this.deps.vault.put(MARKS, conversation.id, { ...marks, notifiedNs: maxNs(marks.notifiedNs, message.sentAtNs), ...(decision === 'request' ? { requestNoticed: true } : {}) });
    }
    if (decision === 'none' || (await this.userIsThere(conversation))) return;
    if (decision === 'request') {
      // A stranger's words and name stay in the popup until the user accepts: no spam on the desktop.
      await this.deps.platform.notify(conversation.id, { title: 'New message request', message: 'Someone new wants to message you. Open Parley to accept or block it.', quiet: true }).catch(() => undefined);
      return;
    }
    // A notification has no markup to isolate a peer's group name in: its overrides go.
    const title = conversation.kind === 'group' ? `New message in ${stripFormatControls(conversation.name ?? '') || 'a group'}` : 'New message';
    await this.deps.platform.notify(conversation.id, { title, message: notificationText(message) }).catch(() => undefined);
  }

  /** No notification while the popup is open or a tab of the conversation's site has the focus. */
  private async userIsThere(conversation: ConversationScope): Promise<boolean> {
    if (await this.deps.platform.popupOpen().catch(() => false)) return true;
    const focused = await this.deps.platform.focusedOrigin().catch(() => null);
    if (focused === null) return false;
    return (await this.deps.visibleOrigins(conversation)).includes(focused);
  }

  private async watchingSince(): Promise<bigint> {
    const since = await this.deps.vault.get<string>(WATCH_SINCE);
    if (since !== undefined) return BigInt(since);
    const now = this.nowNs();
    await this.deps.vault.put(WATCH_SINCE, '', now);
    return BigInt(now);
  }

  private nowNs(): string {
    return (BigInt(this.now()) * 1_000_000n).toString();
  }

  private async marks(conversationId: string): Promise<Marks> {
    return (await this.deps.vault.get<Marks>(MARKS, conversationId)) ?? { readNs: '0', notifiedNs: '0' };
  }
}

function maxNs(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

/** The real surfaces: chrome.action, chrome.notifications, chrome.windows; each skipped where the browser lacks it. */
/** A notification's id is this and the conversation id: a click opens that conversation. */
export const NOTIFICATION_PREFIX = 'parley-';

/** The popup inbox's page (manifest action.default_popup). */
const INBOX_PAGE = 'src/popup/index.html';

/**
 * The real surfaces: chrome.action, chrome.notifications, chrome.windows and
 * runtime.getContexts; each skipped where the browser lacks it. `originOfTab` names the site a
 * tab shows (the worker sees no tab URLs: see SiteTabs).
 */
export function chromeActivityPlatform(
  originOfTab: (tabId: number) => string | undefined,
  api: typeof chrome | undefined = (globalThis as { chrome?: typeof chrome }).chrome,
  icon = 'icons/icon-128.png',
): ActivityPlatform {
  return {
    async setBadge(text) {
      const action = api?.action;
      if (!action) return;
      await action.setBadgeText({ text });
      if (text) await action.setBadgeBackgroundColor({ color: '#4f46e5' });
    },
    async notify(id, note) {
      if (!api?.notifications) return;
      const options = { type: 'basic' as const, iconUrl: api.runtime.getURL(icon), title: note.title, message: note.message };
      try {
        await api.notifications.create(`${NOTIFICATION_PREFIX}${id}`, note.quiet ? { ...options, silent: true } : options);
      } catch (e) {
        // Firefox's notifications.create refuses options it does not know (`silent`): plain then.
        if (!note.quiet) throw e;
        await api.notifications.create(`${NOTIFICATION_PREFIX}${id}`, options);
      }
    },
    async focusedOrigin() {
      if (!api?.windows) return null;
      const win = await api.windows.getLastFocused({ populate: true });
      if (!win.focused) return null;
      const tabId = win.tabs?.find((t) => t.active)?.id;
      return tabId === undefined ? null : (originOfTab(tabId) ?? null);
    },
    async popupOpen() {
      const runtime = api?.runtime as
        | (typeof chrome.runtime & { getContexts?: (f: { contextTypes: string[]; documentUrls?: string[] }) => Promise<unknown[]> })
        | undefined;
      if (!runtime?.getContexts) return false;
      // The toolbar popup, or the inbox page open in a tab: either way the user sees new messages there.
      return (await runtime.getContexts({ contextTypes: ['POPUP', 'TAB'], documentUrls: [runtime.getURL(INBOX_PAGE)] })).length > 0;
    },
  };
}
