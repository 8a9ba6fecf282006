import type { SyncProgress } from '../core/client';
import type { SendableContent } from '../core/content';
import type { ConversationFilter, GroupMetadataParams } from '../core/rpc';
import type { InboxUiEvent } from '../core/rpc/ui';
import { INBOX_EVENTS_PORT } from '../core/rpc/ui';
import type { AdminListChange, ConversationView, Messaging, MessagingListener, NewGroupParams, PermissionChange } from './messaging';
import type { HubPort } from './portHub';
import { ChangeListeners } from './changeListeners';

/**
 * The open popup inbox pages (the toolbar popup, or the inbox page in a tab), each holding a
 * Port to the worker: what changed is pushed to them. Only the extension's own pages may open
 * one: a content script can name the port alike, but the browser reports its web page's URL.
 */
export class InboxEventPorts {
  private readonly ports = new Set<HubPort>();
  private readonly changeListeners = new ChangeListeners();

  constructor(
    private readonly extensionId: string,
    private readonly extensionOrigin: string,
  ) {}

  /** Whether the port is the popup's: then it is taken (or refused, and disconnected, if not from our pages). */
  accept(port: HubPort): boolean {
    if (port.name !== INBOX_EVENTS_PORT) return false;
    const sender = port.sender;
    const ownPage = sender?.id === this.extensionId && (sender.url ?? '').startsWith(`${this.extensionOrigin}/`);
    if (!ownPage) {
      port.disconnect();
      return true;
    }
    this.ports.add(port);
    port.onDisconnect.addListener(() => {
      this.ports.delete(port);
      this.changeListeners.notify();
    });
    // The popup sends nothing on this port: requests go as UI messages.
    port.onMessage.addListener(() => undefined);
    this.changeListeners.notify();
    return true;
  }

  emit(event: InboxUiEvent): void {
    for (const port of this.ports) {
      try {
        port.postMessage(event);
      } catch {
        this.ports.delete(port);
      }
    }
  }

  get size(): number {
    return this.ports.size;
  }

  onChange(fn: () => void): () => void {
    return this.changeListeners.add(fn);
  }
}

export type ConversationChange = 'conversation' | 'consent';

/**
 * The engine, telling `changed` after each call that changes a conversation's place in the
 * list (a new one, its name, members or consent), whichever page made it. The stream reports
 * what comes from the network; these local changes it does not all report.
 */
export class ReportingMessaging implements Messaging {
  constructor(
    private readonly inner: Messaging,
    private readonly changed: (conversationId: string, what: ConversationChange) => void,
  ) {}

  private async reported(work: Promise<ConversationView>): Promise<ConversationView> {
    const view = await work;
    this.changed(view.id, 'conversation');
    return view;
  }

  canMessage(addresses: string[]) {
    return this.inner.canMessage(addresses);
  }
  listConversations(filter: ConversationFilter) {
    return this.inner.listConversations(filter);
  }
  listConversationScopes(filter: ConversationFilter) {
    return this.inner.listConversationScopes(filter);
  }
  getConversation(id: string) {
    return this.inner.getConversation(id);
  }
  getConversationScope(id: string) {
    return this.inner.getConversationScope(id);
  }
  createDm(address: string, origin: string) {
    return this.reported(this.inner.createDm(address, origin));
  }
  createGroup(addresses: string[], metadata: NewGroupParams, origin: string) {
    return this.reported(this.inner.createGroup(addresses, metadata, origin));
  }
  getMessages(id: string, page: { limit?: number; beforeNs?: bigint; afterNs?: bigint }) {
    return this.inner.getMessages(id, page);
  }
  sendMessage(id: string, content: SendableContent) {
    return this.inner.sendMessage(id, content);
  }
  updateGroup(id: string, metadata: GroupMetadataParams) {
    return this.reported(this.inner.updateGroup(id, metadata));
  }
  addMembers(id: string, addresses: string[]) {
    return this.reported(this.inner.addMembers(id, addresses));
  }
  removeMembers(id: string, addresses: string[]) {
    return this.reported(this.inner.removeMembers(id, addresses));
  }
  groupPermissions(id: string) {
    return this.inner.groupPermissions(id);
  }
  async updateAdminList(id: string, change: AdminListChange, inboxId: string) {
    const permissions = await this.inner.updateAdminList(id, change, inboxId);
    this.changed(id, 'conversation');
    return permissions;
  }
  async updatePermission(id: string, change: PermissionChange) {
    const permissions = await this.inner.updatePermission(id, change);
    this.changed(id, 'conversation');
    return permissions;
  }
  async setConsent(id: string, state: 'allowed' | 'denied') {
    await this.inner.setConsent(id, state);
    this.changed(id, 'consent');
  }
  accountAddressOf(inboxId: string) {
    return this.inner.accountAddressOf(inboxId);
  }
  hmacKeys(ids: string[]) {
    return this.inner.hmacKeys(ids);
  }
  updateKeys(id: string) {
    return this.inner.updateKeys(id);
  }
  syncAll(onProgress?: (progress: SyncProgress) => void) {
    return this.inner.syncAll(onProgress);
  }
  stream(listener: MessagingListener) {
    return this.inner.stream(listener);
  }
  close() {
    return this.inner.close();
  }
}
