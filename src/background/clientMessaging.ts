import { Client, hmacKeysJson, newHmacRootKey } from '../core/client';
import type { DecodedMessage, Dm, Group, SyncProgress } from '../core/client';
import type { ClientStore } from '../core/client/store';
import type { SendableContent } from '../core/content';
import { ParleyError } from '../core/errors';
import { installationPublicKey, privateKeySigner } from '../core/identity';
import type { ConversationFilter, GroupHmacKeys, GroupMetadataParams, GroupPermissions, GroupPermissionsParams, Message } from '../core/rpc';
import { policySetForPreset, withPermission, type PolicyPreset } from '../core/mls/policyUpdate';
import type { PolicySet } from '../core/mls/policies';
import { appDataForOrigin, originFromAppData } from '../core/rpc';
import type { StoredIdentity } from './identities';
import type { AdminListChange, ConversationScope, ConversationView, Messaging, MessagingListener, NewGroupParams, PermissionChange } from './messaging';
import type { OpenMessaging } from './messagingSession';

/**
 * The Messaging interface over the core Client: the one module of the worker that talks to
 * the engine. The vault's ClientStore is seeded with this identity's installation key, so the
 * installation id the dApp saw in xmtp_getInbox is the one the Client registers.
 */
export const openMessaging: OpenMessaging = async (identity, store, nodeUrl) => {
  await seedInstallation(identity, store);
  // No onError: the Client keeps background failures (a welcome that does not validate, a
  // stream reconnect) in client.errors, bounded, instead of throwing them.
  const client = await Client.create(privateKeySigner(identity.privateKey), { apiUrl: nodeUrl, store });
  return new ClientMessaging(client, store);
};

async function seedInstallation(identity: StoredIdentity, store: ClientStore): Promise<void> {
  if (await store.getIdentity()) return;
  const secret = new Uint8Array(identity.installationSecret);
  await store.commit([
    {
      op: 'putIdentity',
      record: {
        inboxId: identity.inboxId,
        accountAddress: identity.address,
        nonce: 1n,
        installationPrivateKey: secret,
        installationPublicKey: installationPublicKey(secret),
        registered: false,
        createdAtNs: BigInt(identity.createdAt) * 1_000_000n,
        hmacRootKey: newHmacRootKey(),
      },
    },
  ]);
  secret.fill(0);
}

type AnyConversation = Dm | Group;

/** A dApp's policies for a new group: a preset, or its options over the default preset. */
function policiesOf(params: GroupPermissionsParams): PolicyPreset | PolicySet {
  if (typeof params === 'string') return params;
  let policies = policySetForPreset('default');
  for (const update of ['addMember', 'removeMember', 'addAdmin', 'removeAdmin'] as const) {
    const option = params[update];
    if (option !== undefined) policies = withPermission(policies, { update, option });
  }
  for (const [field, option] of Object.entries(params.updateMetadata ?? {})) policies = withPermission(policies, { update: 'updateMetadata', field, option });
  return policies;
}

function permissionsOf(group: Group): GroupPermissions {
  const { preset, ...policies } = group.permissions();
  return { conversationId: group.id, preset, adminInboxIds: [...group.adminInboxIds], superAdminInboxIds: [...group.superAdminInboxIds], policies };
}

/** The dApp's Message: content in the shape it was sent; unreadable ones show their fallback. */
export function toRpcMessage(message: DecodedMessage): Message {
  const out: Message = {
    id: message.id,
    conversationId: message.conversationId,
    senderInboxId: message.senderInboxId,
    sentAtNs: message.sentAtNs.toString(),
    contentType: message.contentType,
    content: message.content ?? { type: 'unknown', contentType: message.contentType, ...(message.fallback !== undefined ? { fallback: message.fallback } : {}) },
  };
  if (message.fallback !== undefined) out.fallback = message.fallback;
  return out;
}

/** The scope facts only: the handle's in-memory state and the stored consent, no member lookups. */
async function scopeOf(conversation: AnyConversation): Promise<ConversationScope> {
  const scope: ConversationScope = { id: conversation.id, kind: conversation.kind, consentState: await conversation.consentState() };
  if (conversation.kind === 'group' && conversation.name) scope.name = conversation.name;
  const origin = originFromAppData(conversation.appData);
  if (origin !== undefined) scope.appDataOrigin = origin;
  return scope;
}

async function viewOf(conversation: AnyConversation): Promise<ConversationView> {
  const members = await conversation.members();
  const view: ConversationView = {
    id: conversation.id,
    kind: conversation.kind,
    createdAtNs: conversation.createdAtNs.toString(),
    consentState: await conversation.consentState(),
    memberInboxIds: members.map((m) => m.inboxId),
  };
  if (conversation.kind === 'dm') {
    view.peerInboxId = conversation.peerInboxId();
  } else {
    if (conversation.name) view.name = conversation.name;
    if (conversation.description) view.description = conversation.description;
    if (conversation.imageUrl) view.imageUrl = conversation.imageUrl;
  }
  const origin = originFromAppData(conversation.appData);
  if (origin !== undefined) view.appDataOrigin = origin;
  return view;
}

class ClientMessaging implements Messaging {
  constructor(
    private readonly client: Client,
    private readonly store: ClientStore,
  ) {}

  private async conversation(id: string): Promise<AnyConversation> {
    const conversation = await this.client.conversations.getConversationById(id);
    if (!conversation) throw new ParleyError('Rpc.NotFound', 'No such conversation.', { details: id });
    return conversation;
  }

  private async group(id: string): Promise<Group> {
    const conversation = await this.conversation(id);
    if (conversation.kind !== 'group') throw new ParleyError('Rpc.InvalidParams', 'That conversation is not a group.');
    return conversation;
  }

  accountAddressOf(inboxId: string): Promise<string | undefined> {
    return this.client.accountAddressOf(inboxId);
  }

  async canMessage(addresses: string[]): Promise<Record<string, boolean>> {
    return Object.fromEntries(await this.client.canMessage(addresses));
  }

  async listConversations(filter: ConversationFilter): Promise<ConversationView[]> {
    const list = await this.client.conversations.list(filter.kind ? { kind: filter.kind } : {});
    return Promise.all(list.map(viewOf));
  }

  async listConversationScopes(filter: ConversationFilter): Promise<ConversationScope[]> {
    const list = await this.client.conversations.list(filter.kind ? { kind: filter.kind } : {});
    return Promise.all(list.map(scopeOf));
  }

  async getConversation(id: string): Promise<ConversationView | undefined> {
    const conversation = await this.client.conversations.getConversationById(id);
    return conversation ? viewOf(conversation) : undefined;
  }

  async getConversationScope(id: string): Promise<ConversationScope | undefined> {
    const conversation = await this.client.conversations.getConversationById(id);
    return conversation ? scopeOf(conversation) : undefined;
  }

  async createDm(address: string, origin: string): Promise<ConversationView> {
    // A new DM carries the origin in its app data, so the peer's copy of the same dApp sees it
    // too (DESIGN §4); an existing DM keeps its creator's.
    return viewOf(await this.client.conversations.createDm(address, { appData: appDataForOrigin(origin) }));
  }

  async createGroup(addresses: string[], params: NewGroupParams, origin: string): Promise<ConversationView> {
    const { permissions, ...metadata } = params;
    const options: Parameters<Client['conversations']['createGroup']>[1] = { ...metadata, appData: appDataForOrigin(origin) };
    if (permissions !== undefined) options.permissions = policiesOf(permissions);
    return viewOf(await this.client.conversations.createGroup(addresses, options));
  }

  async groupPermissions(id: string): Promise<GroupPermissions> {
    return permissionsOf(await this.group(id));
  }

  async updateAdminList(id: string, change: AdminListChange, inboxId: string): Promise<GroupPermissions> {
    const group = await this.group(id);
    await group[change](inboxId);
    return permissionsOf(group);
  }

  async updatePermission(id: string, change: PermissionChange): Promise<GroupPermissions> {
    const group = await this.group(id);
    await group.updatePermission(change);
    return permissionsOf(group);
  }

  async getMessages(id: string, page: { limit?: number; beforeNs?: bigint; afterNs?: bigint }): Promise<Message[]> {
    const conversation = await this.conversation(id);
    const options: Parameters<AnyConversation['messages']>[0] = { direction: 'descending' };
    if (page.limit !== undefined) options.limit = page.limit;
    if (page.beforeNs !== undefined) options.beforeNs = page.beforeNs;
    if (page.afterNs !== undefined) options.afterNs = page.afterNs;
    // Newest `limit` first from the store, handed back newest last (DESIGN §4).
    return (await conversation.messages(options)).reverse().map(toRpcMessage);
  }

  async sendMessage(id: string, content: SendableContent): Promise<{ id: string }> {
    return { id: await (await this.conversation(id)).send(content) };
  }

  async updateGroup(id: string, metadata: GroupMetadataParams): Promise<ConversationView> {
    const group = await this.group(id);
    if (metadata.name !== undefined) await group.updateName(metadata.name);
    if (metadata.description !== undefined) await group.updateDescription(metadata.description);
    if (metadata.imageUrl !== undefined) await group.updateImageUrl(metadata.imageUrl);
    return viewOf(await this.group(id));
  }

  async addMembers(id: string, addresses: string[]): Promise<ConversationView> {
    await (await this.group(id)).addMembers(addresses);
    return viewOf(await this.group(id));
  }

  async removeMembers(id: string, addresses: string[]): Promise<ConversationView> {
    await (await this.group(id)).removeMembers(addresses);
    return viewOf(await this.group(id));
  }

  async setConsent(id: string, state: 'allowed' | 'denied'): Promise<void> {
    await (await this.conversation(id)).updateConsentState(state);
  }

  async updateKeys(id: string): Promise<void> {
    await (await this.conversation(id)).updateKeys();
  }

  async hmacKeys(ids: string[]): Promise<GroupHmacKeys[]> {
    const out: GroupHmacKeys[] = [];
    for (const id of ids) out.push(...hmacKeysJson(id, await (await this.conversation(id)).hmacKeys()));
    return out;
  }

  async syncAll(onProgress?: (progress: SyncProgress) => void): Promise<void> {
    await this.client.conversations.syncAll(onProgress === undefined ? {} : { onProgress });
  }

  stream(listener: MessagingListener): () => void {
    const messages = this.client.conversations.streamAllMessages();
    const conversations = this.client.conversations.stream();
    let stopped = false;
    const stop = (): void => {
      stopped = true;
      void messages.return?.();
      void conversations.return?.();
    };
    // Either loop ending without stop() (its buffer overflowed, the client closed) ends both,
    // once, and says so: the session starts a new stream from the cursors.
    const ended = (error?: unknown): void => {
      if (stopped) return;
      stop();
      listener.ended?.(error);
    };
    void (async () => {
      for await (const message of messages) {
        // Looked up per message, not cached: consent and metadata change, and a scope is cheap.
        const scope = await this.getConversationScope(message.conversationId).catch(() => undefined);
        if (scope) listener.message(toRpcMessage(message), scope);
      }
    })().then(() => ended(), ended);
    void (async () => {
      for await (const conversation of conversations) {
        const view = await viewOf(conversation).catch(() => undefined);
        if (view) listener.conversation(view);
      }
    })().then(() => ended(), ended);
    return stop;
  }

  async close(): Promise<void> {
    this.client.close();
    await this.store.close();
  }
}
