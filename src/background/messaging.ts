import type { SyncProgress } from '../core/client';
import type {
  ConsentState,
  Conversation,
  ConversationFilter,
  GroupHmacKeys,
  GroupMetadataParams,
  GroupPermissions,
  GroupPermissionsParams,
  Message,
  PermissionOption,
  PermissionUpdateType,
} from '../core/rpc';
import type { SendableContent } from '../core/content';
import type { ConversationScopeFacts } from './siteConversations';

/** A conversation as the handlers see it: the dApp's shape plus what the scope check needs. */
export type ConversationView = Conversation & ConversationScopeFacts;

/**
 * What the access checks, events and notifications need of a conversation: no members (those
 * read every member's identity log), so it is cheap enough for every request and message.
 */
export type ConversationScope = Pick<ConversationView, 'id' | 'kind' | 'consentState' | 'name' | 'appDataOrigin'>;

/**
 * Everything the handlers ask of the messaging engine (src/core/client), in one interface:
 * the only module that talks to the Client implements it, and tests pass a fake.
 * `origin` is the site a new conversation is created through: it goes into the app data.
 */
/** A new group's metadata and, optionally, its policies. */
export type NewGroupParams = GroupMetadataParams & { permissions?: GroupPermissionsParams };

export type AdminListChange = 'addAdmin' | 'removeAdmin' | 'addSuperAdmin' | 'removeSuperAdmin';

export interface PermissionChange {
  update: PermissionUpdateType;
  option: PermissionOption;
  field?: string;
}

export interface Messaging {
  canMessage(addresses: string[]): Promise<Record<string, boolean>>;
  listConversations(filter: ConversationFilter): Promise<ConversationView[]>;
  /** The same conversations as listConversations, in its order, as scopes only. */
  listConversationScopes(filter: ConversationFilter): Promise<ConversationScope[]>;
  getConversation(conversationId: string): Promise<ConversationView | undefined>;
  getConversationScope(conversationId: string): Promise<ConversationScope | undefined>;
  createDm(address: string, origin: string): Promise<ConversationView>;
  createGroup(addresses: string[], metadata: NewGroupParams, origin: string): Promise<ConversationView>;
  /** Newest last; `limit` counts from the newest end, within `afterNs < sentAtNs < beforeNs`. */
  getMessages(conversationId: string, page: { limit?: number; beforeNs?: bigint; afterNs?: bigint }): Promise<Message[]>;
  sendMessage(conversationId: string, content: SendableContent): Promise<{ id: string }>;
  updateGroup(conversationId: string, metadata: GroupMetadataParams): Promise<ConversationView>;
  addMembers(conversationId: string, addresses: string[]): Promise<ConversationView>;
  removeMembers(conversationId: string, addresses: string[]): Promise<ConversationView>;
  setConsent(conversationId: string, state: Exclude<ConsentState, 'unknown'>): Promise<void>;
  /** The account address an inbox is known by (its verified identity log), or undefined. */
  accountAddressOf(inboxId: string): Promise<string | undefined>;
  /** An MLS self-update in each of the conversation's groups: new leaf and path keys for this installation. */
  updateKeys(conversationId: string): Promise<void>;
  /** Push-filter keys of these conversations, each with all its groups (a DM's duplicates too). */
  hmacKeys(conversationIds: string[]): Promise<GroupHmacKeys[]>;
  groupPermissions(conversationId: string): Promise<GroupPermissions>;
  /** Refused with Group.PermissionDenied, before anything is sent, when this inbox lacks the right. */
  updateAdminList(conversationId: string, change: AdminListChange, inboxId: string): Promise<GroupPermissions>;
  updatePermission(conversationId: string, change: PermissionChange): Promise<GroupPermissions>;
  /** Pulls welcomes and messages of every conversation; `onProgress` hears how far it is. */
  syncAll(onProgress?: (progress: SyncProgress) => void): Promise<void>;
  /** Live messages and new conversations until the returned function is called. */
  stream(listener: MessagingListener): () => void;
  close(): Promise<void>;
}

export interface MessagingListener {
  message(message: Message, conversation: ConversationScope): void;
  conversation(conversation: ConversationView): void;
  /** The stream stopped by itself (not by its stop function): the session starts it again. */
  ended?(error?: unknown): void;
}
