import { ParleyError } from '../core/errors';
import type { Message, UiReply } from '../core/rpc';
import type { UiMethod } from '../core/rpc';
import { isUiMethod, validateUiParams } from '../core/rpc';
import type { ApprovalWindows } from './approvals';
import { Approvals } from './approvals';
import { reportUiError } from './errorReport';
import type { AlarmsApi } from './autoLock';
import { AutoLock } from './autoLock';
import { Grants } from './grants';
import { handlers, toConversation } from './handlers';
import { Identities } from './identities';
import type { ConversationScope, MessagingListener } from './messaging';
import type { ConversationChange } from './uiInboxEvents';
import { InboxEventPorts, ReportingMessaging } from './uiInboxEvents';
import type { OpenMessaging } from './messagingSession';
import { MessagingSession } from './messagingSession';
import type { HubPort } from './portHub';
import { PortHub } from './portHub';
import { createRouter } from './router';
import { SettingsStore } from './settings';
import { SiteConversations } from './siteConversations';
import { createUiHandlers } from './uiHandlers';
import { isInboxUiMethod } from '../core/rpc/ui';
import type { InboxActivityParts } from './uiInboxActivityWiring';
import { createInboxActivity } from './uiInboxActivityWiring';
import type { SessionKeyStore } from './vault/vault';
import { Vault } from './vault/vault';

export const SYNC_ALARM = 'parley-sync';
/** chrome.alarms' floor is 30 s; a minute keeps an idle inbox fresh without waking often. */
export const SYNC_PERIOD_MINUTES = 1;
/** Longest a woken, unlocked worker waits for a request before its catch-up sync. */
export const WAKE_SYNC_DELAY_MS = 500;
/** UI calls after which the open popup re-reads the vault status (lock is pushed on the lock itself). */
const SESSION_CHANGES: ReadonlySet<UiMethod> = new Set(['vault_create', 'vault_unlock', 'identity_create', 'identity_import', 'identity_select']);

export interface BackgroundPlatform {
  extensionId: string;
  /** `chrome-extension://<id>` (or `moz-extension://<uuid>`), without a trailing slash. */
  extensionOrigin: string;
  session: SessionKeyStore;
  alarms: AlarmsApi & { create(name: string, info: { when?: number; periodInMinutes?: number }): Promise<void> | void };
  approvalWindows: ApprovalWindows;
  openMessaging: OpenMessaging;
  dbName?: string;
  /** Tests set it; WAKE_SYNC_DELAY_MS otherwise. */
  wakeSyncDelayMs?: number;
  /** Tests pass a fake badge and notifications; chrome.* otherwise. */
  activityPlatform?: InboxActivityParts['platform'];
  /** Tests set it; STREAM_RETRY_MS otherwise. */
  streamRetryMs?: readonly number[];
}

export interface Background {
  vault: Vault;
  onConnect(port: HubPort): void;
  onUiMessage(message: unknown, sender: chrome.runtime.MessageSender): Promise<UiReply>;
  onAlarm(name: string): Promise<void>;
  onWindowRemoved(windowId: number): void;
}

/**
 * The worker, put together. Everything platform-specific comes in through `platform`, so the
 * unit tests run this same composition over fakes, and main.ts over chrome.*.
 */
export async function createBackground(platform: BackgroundPlatform): Promise<Background> {
  const options: { session: SessionKeyStore; dbName?: string } = { session: platform.session };
  if (platform.dbName !== undefined) options.dbName = platform.dbName;
  const vault = await Vault.open(options);
  const identities = new Identities(vault);
  const grants = new Grants(vault);
  const sites = new SiteConversations(vault);
  const settings = new SettingsStore(vault);
  const approvals = new Approvals(platform.approvalWindows);
  const autoLock = new AutoLock(platform.alarms, vault, settings);
  const inboxPorts = new InboxEventPorts(platform.extensionId, platform.extensionOrigin);
  const conversationChanged = (conversationId: string, what: ConversationChange): void => {
    inboxPorts.emit({ event: 'conversations' });
    if (what !== 'consent') return;
    // A blocked conversation stops counting: the badge and the popup learn at once.
    void activity.recountNow().catch(() => undefined);
    void announceAllowed(conversationId).catch(() => undefined);
  };
  const openMessaging: OpenMessaging = async (identity, store, nodeUrl) => new ReportingMessaging(await platform.openMessaging(identity, store, nodeUrl), conversationChanged);
  const session = new MessagingSession(openMessaging, vault, identities, settings, platform.streamRetryMs);
  const router = createRouter({
    vault,
    identities,
    grants,
    approvals,
    sites,
    handlers,
    messaging: () => session.get(),
    // Only with the setting on, and only a granted site's own calls (never an ungranted page's, never
    // the events the worker pushes): the security review found any page could hold the vault open.
    onGrantedCall: () => {
      void settings
        .get()
        .then((s) => (s.grantedSitesKeepUnlocked ? autoLock.touch() : undefined))
        .catch(() => undefined);
    },
  });

  // On wake the catch-up sync waits for the request that woke the worker to be answered
  // (bench:e2e: it opened the client and derived keys before the answer); WAKE_SYNC_DELAY_MS
  // starts it when no request comes.
  let wakeSync: (() => void) | undefined;
  // Page requests re-arm auto-lock only through the router's onGrantedCall, when the user turned
  // that on (the security review: any page, granted or not, kept the vault open); otherwise only
  // activity in Parley's own pages does (onUiMessage below).
  const hub = new PortHub(platform.extensionId, (origin, method, params, page) => {
    const answer = router.handle(origin, method, params, page);
    if (wakeSync) void answer.catch(() => undefined).finally(() => wakeSync?.());
    return answer;
  });

  const ui = createUiHandlers({ vault, identities, approvals, grants, sites, settings, autoLock, session, router, extensionOrigin: platform.extensionOrigin });
  const activity = createInboxActivity({
    vault,
    identities,
    grants,
    sites,
    session,
    settings,
    extensionId: platform.extensionId,
    onCounts: (counts) => inboxPorts.emit({ event: 'unread', activity: counts }),
    onSyncProgress: ({ synced, total }) => inboxPorts.emit({ event: 'syncProgress', synced, total }),
    ...(platform.activityPlatform ? { platform: platform.activityPlatform } : {}),
  });

  // Revocation and new grants reach the origin's open pages at once (DESIGN §4), and the popup's list of sites.
  grants.onChange((origin, access) => {
    hub.emit((o) => o === origin, 'accessChanged', access);
    inboxPorts.emit({ event: 'grants' });
  });
  vault.onLock(() => {
    for (const origin of hub.origins()) hub.emit((o) => o === origin, 'accessChanged', null);
    inboxPorts.emit({ event: 'session' });
  });

  /** Events go to the origins whose grant lets them see the conversation, and no others. */
  const toVisibleOrigins = async (conversation: ConversationScope, push: (origin: string) => void): Promise<void> => {
    const identity = await identities.active();
    if (!identity) return;
    for (const origin of hub.origins()) {
      const access = await grants.forInbox(origin, identity.inboxId);
      if (access && (await sites.isVisible(access, conversation))) push(origin);
    }
  };
  /**
   * A conversation the user has just allowed goes to the sites that see it now: a stranger's
   * invitation naming a site reaches it only once accepted (SiteConversations), and the open
   * dApp should not have to list again to learn it.
   */
  const announceAllowed = async (conversationId: string): Promise<void> => {
    const messaging = await session.get();
    const scope = await messaging.getConversationScope(conversationId);
    if (scope?.consentState !== 'allowed') return;
    const origins: string[] = [];
    await toVisibleOrigins(scope, (origin) => origins.push(origin));
    if (origins.length === 0) return;
    const view = await messaging.getConversation(conversationId);
    if (!view) return;
    const shown = toConversation(view);
    for (const origin of origins) hub.emit((o) => o === origin, 'conversation', shown);
  };
  const listener: MessagingListener = {
    message(message: Message, conversation) {
      // The dApps' event first: the unread recount reads every conversation's recent messages
      // and, run alongside, delayed the event (bench:e2e receiver traces).
      void toVisibleOrigins(conversation, (origin) => hub.emit((o) => o === origin, 'message', message))
        .catch(() => undefined)
        .then(() => {
          inboxPorts.emit({ event: 'messages', conversationId: message.conversationId });
          // A commit may have renamed the group or changed its members.
          if (message.content.type === 'groupUpdated') inboxPorts.emit({ event: 'conversations' });
          return activity.onMessage(message, conversation);
        })
        .catch(() => undefined);
    },
    conversation(conversation) {
      const { appDataOrigin: _, ...shown } = conversation;
      // A new conversation's app-data origin is recorded as it arrives, before any member can change it.
      void sites.firstSeenOrigin(conversation).catch(() => undefined);
      void toVisibleOrigins(conversation, (origin) => hub.emit((o) => o === origin, 'conversation', shown)).catch(() => undefined);
      inboxPorts.emit({ event: 'conversations' });
    },
  };
  // One stream whenever the worker is up and unlocked, page or no page (docs/design.md,
  // "Live messages and the worker's lifetime"): the badge and notifications follow within
  // seconds; the periodic alarm covers a worker the browser stopped.
  session.listen(listener);
  const ensureStream = (): void => void session.ensureStream().catch(() => undefined);
  hub.onChange(ensureStream);
  inboxPorts.onChange(ensureStream);

  // On wake: unlocked again if storage.session still has the key, then catch up.
  if (await vault.resume()) {
    ensureStream();
    const timer = setTimeout(() => wakeSync?.(), platform.wakeSyncDelayMs ?? WAKE_SYNC_DELAY_MS);
    wakeSync = () => {
      wakeSync = undefined;
      clearTimeout(timer);
      void session.syncAll().catch(() => undefined);
    };
  }
  await platform.alarms.create(SYNC_ALARM, { periodInMinutes: SYNC_PERIOD_MINUTES });

  return {
    vault,
    onConnect(port) {
      if (inboxPorts.accept(port)) return;
      if (hub.accept(port)) activity.trackPort(port);
    },
    async onUiMessage(message, sender) {
      try {
        if (!isOwnPage(sender, platform)) throw new ParleyError('Rpc.Unauthorized', 'Only Parley\'s own pages may send this.');
        if (typeof message !== 'object' || message === null || (message as { parley?: unknown }).parley !== 'ui') {
          throw new ParleyError('Rpc.InvalidParams', 'Not a Parley UI message.');
        }
        const { method, params } = message as { method?: unknown; params?: unknown };
        if (isInboxUiMethod(method)) return { ok: true, result: await activity.handle(method, params) };
        if (!isUiMethod(method)) throw new ParleyError('Rpc.UnsupportedMethod', 'Unknown UI method.');
        const valid = (validateUiParams[method] as (p: unknown) => unknown)(params);
        const result = await (ui[method] as (p: unknown) => Promise<unknown>)(valid);
        // The approval window's keep-alive poll is no user activity: an open window must not hold the vault open.
        if (vault.isUnlocked && method !== 'approval_get') void autoLock.touch().catch(() => undefined);
        if (method === 'vault_unlock' || method === 'vault_create') {
          void activity.unlocked().catch(() => undefined);
        }
        if (SESSION_CHANGES.has(method)) inboxPorts.emit({ event: 'session' });
        // Another node may hold other conversations.
        if (method === 'settings_set') inboxPorts.emit({ event: 'conversations' });
        return { ok: true, result };
      } catch (e) {
        const method = (message as { method?: unknown } | null)?.method;
        return { ok: false, error: reportUiError(e, typeof method === 'string' ? method : undefined) };
      }
    },
    async onAlarm(name) {
      if (await autoLock.onAlarm(name)) return;
      if (name !== SYNC_ALARM) return;
      // A worker the browser stopped wakes here: the stream starts again from its cursors.
      ensureStream();
      await session.syncAll().then(() => activity.afterSync()).catch(() => undefined);
    },
    onWindowRemoved(windowId) {
      approvals.windowRemoved(windowId);
    },
  };
}

/** A runtime message from the extension's own pages; content scripts (web pages) are refused. */
function isOwnPage(sender: chrome.runtime.MessageSender, platform: BackgroundPlatform): boolean {
  if (sender.id !== platform.extensionId) return false;
  const url = sender.url ?? '';
  return url.startsWith(`${platform.extensionOrigin}/`);
}
