import type { Grants } from './grants';
import type { Identities } from './identities';
import type { ConversationScope } from './messaging';
import type { MessagingSession } from './messagingSession';
import type { SiteConversations } from './siteConversations';
import type { HubPort } from './portHub';
import type { SyncProgress } from '../core/client';
import type { InboxActivity } from '../core/rpc/ui';
import type { ActivityPlatform, InboxActivityDeps } from './uiInboxActivity';
import { chromeActivityPlatform, UiInboxActivity } from './uiInboxActivity';
import { SiteTabs } from './uiSiteTabs';
import type { SettingsStore } from './settings';
import type { Vault } from './vault/vault';

export interface InboxActivityParts {
  vault: Vault;
  identities: Identities;
  grants: Grants;
  sites: SiteConversations;
  session: MessagingSession;
  settings: SettingsStore;
  extensionId: string;
  /** Tests pass a fake; by default chrome.* with the tabs this worker's ports report. */
  platform?: (originOfTab: (tabId: number) => string | undefined) => ActivityPlatform;
  onCounts?: (activity: InboxActivity) => void;
  onSyncProgress?: (progress: SyncProgress) => void;
}

/** The tracker, plus what the worker tells it of page ports (which tab shows which site). */
export class WorkerInboxActivity extends UiInboxActivity {
  constructor(
    deps: InboxActivityDeps,
    private readonly tabs: SiteTabs,
  ) {
    super(deps);
  }

  trackPort(port: HubPort): void {
    this.tabs.track(port);
  }
}

/** The popup's unread counts, badge and notifications over the worker's own parts. */
export function createInboxActivity(parts: InboxActivityParts): WorkerInboxActivity {
  const { vault, identities, grants, sites, session } = parts;
  /** The sites that can see the conversation: a focused tab of one of them needs no notification. */
  const visibleOrigins = async (conversation: ConversationScope): Promise<string[]> => {
    const identity = await identities.active();
    if (!identity) return [];
    const origins: string[] = [];
    for (const access of await grants.list()) {
      if (access.inboxId === identity.inboxId && (await sites.isVisible(access, conversation))) origins.push(access.origin);
    }
    return origins;
  };
  const tabs = new SiteTabs(parts.extensionId);
  const originOfTab = (tabId: number) => tabs.originOf(tabId);
  const deps: InboxActivityDeps = {
    vault,
    messaging: () => session.get(),
    ownInboxId: async () => (await identities.active())?.inboxId,
    muted: async (conversationId) => {
      const identity = await identities.active();
      return identity !== undefined && (await parts.settings.isMuted(identity.id, conversationId));
    },
    visibleOrigins,
    platform: parts.platform ? parts.platform(originOfTab) : chromeActivityPlatform(originOfTab),
  };
  if (parts.onCounts) deps.onCounts = parts.onCounts;
  if (parts.onSyncProgress) deps.onSyncProgress = parts.onSyncProgress;
  return new WorkerInboxActivity(deps, tabs);
}
