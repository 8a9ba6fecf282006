import type { Access } from '../core/rpc';
import type { Vault } from './vault/vault';

const SITE_CONVERSATIONS = 'siteConversations';
/** conversation id → the app-data origin this installation saw first (null: none), never rewritten. */
const FIRST_SEEN_ORIGINS = 'siteFirstSeenOrigin';

/** What the scope check needs to know of a conversation. */
export interface ConversationScopeFacts {
  id: string;
  consentState: 'unknown' | 'allowed' | 'denied';
  /** The origin in the conversation's app data, when it names one. */
  appDataOrigin?: string;
}

/**
 * Which conversations a `site`-scoped origin sees (DESIGN §4): those created through it, those
 * the user shared with it, and those whose first-seen app data names it (a peer started them on
 * the same dApp) once the user has allowed them (accepted the request, or replied). Once seen,
 * a conversation stays visible (a DM is one per pair of inboxes), so the ids are remembered per
 * origin, sealed in the vault.
 */
export class SiteConversations {
  constructor(private readonly vault: Vault) {}

  async idsFor(origin: string): Promise<Set<string>> {
    return new Set((await this.vault.get<string[]>(SITE_CONVERSATIONS, origin)) ?? []);
  }

  async add(origin: string, conversationId: string): Promise<void> {
    const ids = await this.idsFor(origin);
    if (ids.has(conversationId)) return;
    ids.add(conversationId);
    await this.vault.put(SITE_CONVERSATIONS, origin, [...ids]);
  }

  async forget(origin: string): Promise<void> {
    await this.vault.delete(SITE_CONVERSATIONS, origin);
  }

  /**
   * The origin a conversation's app data named when this installation first saw it, recorded
   * then and never rewritten. App data is mutable group metadata that any member may change
   * under the default policy: read live, it let a member move a group into another site's view
   * (the security review's site-scope hijack). Only this local record counts.
   */
  async firstSeenOrigin(conversation: Pick<ConversationScopeFacts, 'id' | 'appDataOrigin'>): Promise<string | null> {
    const recorded = await this.vault.get<{ origin: string | null }>(FIRST_SEEN_ORIGINS, conversation.id);
    if (recorded) return recorded.origin;
    const origin = conversation.appDataOrigin ?? null;
    await this.vault.put(FIRST_SEEN_ORIGINS, conversation.id, { origin });
    return origin;
  }

  /** Whether `access` lets its origin see the conversation; remembers allowed first-seen app-data matches. */
  async isVisible(access: Access, conversation: ConversationScopeFacts, known?: Set<string>): Promise<boolean> {
    // Denied (blocked) is the user's word for every site alike.
    if (conversation.consentState === 'denied') return false;
    if (access.scope === 'inbox') return true;
    const ids = known ?? (await this.idsFor(access.origin));
    if (ids.has(conversation.id)) return true;
    // Recorded even while undecided, so a member cannot rewrite it before the user accepts.
    const firstSeen = await this.firstSeenOrigin(conversation);
    // Anyone can start a conversation naming any site: a stranger's reaches the site only once
    // the user has allowed it (the security review: invitations landed in a site's view unasked).
    if (firstSeen === access.origin && conversation.consentState === 'allowed') {
      await this.add(access.origin, conversation.id);
      ids.add(conversation.id);
      return true;
    }
    return false;
  }
}
