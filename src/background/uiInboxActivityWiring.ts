import type { Grants } from './grants';
import type { Identities } from './identities';
import type { ConversationView } from './messaging';
import type { MessagingSession } from './messagingSession';
import type { SiteConversations } from './siteConversations';
import type { ActivityPlatform } from './uiInboxActivity';
import { chromeActivityPlatform, UiInboxActivity } from './uiInboxActivity';
import type { Vault } from './vault/vault';

export interface InboxActivityParts {
  vault: Vault;
  identities: Identities;
  grants: Grants;
  sites: SiteConversations;
  session: MessagingSession;
  platform?: ActivityPlatform;
}

/** The popup's unread counts, badge and notifications over the worker's own parts. */
export function createInboxActivity(parts: InboxActivityParts): UiInboxActivity {
  const { vault, identities, grants, sites, session } = parts;
  /** The sites that can see the conversation: a focused tab of one of them needs no notification. */
  const visibleOrigins = async (conversation: ConversationView): Promise<string[]> => {
    const identity = await identities.active();
    if (!identity) return [];
    const origins: string[] = [];
    for (const access of await grants.list()) {
      if (access.inboxId === identity.inboxId && (await sites.isVisible(access, conversation))) origins.push(access.origin);
    }
    return origins;
  };
  return new UiInboxActivity({
    vault,
    messaging: () => session.get(),
    ownInboxId: async () => (await identities.active())?.inboxId,
    visibleOrigins,
    platform: parts.platform ?? chromeActivityPlatform(),
  });
}
