import type { Content, SendableContent } from '../content/content';

/**
 * The dApp-facing API of `window.xmtp` (DESIGN §4), one schema for its three consumers: the
 * inpage `request()`, the worker's handler table and the dApp SDK. Every value here is plain
 * JSON: it crosses postMessage and a runtime Port.
 */

/** `site`: what was created or shared through this origin; `inbox`: everything but denied. */
export type AccessScope = 'site' | 'inbox';

/** A grant as the dApp sees it: keyed by the exact origin the browser reported for its port. */
export interface Access {
  origin: string;
  scope: AccessScope;
  inboxId: string;
  /** Lowercase 0x address of the identity that owns the inbox. */
  address: string;
  /** Milliseconds since the epoch. */
  grantedAt: number;
}

export interface InboxInfo {
  inboxId: string;
  address: string;
  /** Hex Ed25519 public key of this extension's installation. */
  installationId: string;
}

export type ConversationKind = 'dm' | 'group';
export type ConsentState = 'unknown' | 'allowed' | 'denied';

export interface Conversation {
  /** Hex MLS group id. */
  id: string;
  kind: ConversationKind;
  /** Decimal nanoseconds. */
  createdAtNs: string;
  consentState: ConsentState;
  memberInboxIds: string[];
  /** The other member of a DM. */
  peerInboxId?: string;
  name?: string;
  description?: string;
  imageUrl?: string;
}

export interface Message {
  /** Hex message id. */
  id: string;
  conversationId: string;
  senderInboxId: string;
  /** Decimal nanoseconds. */
  sentAtNs: string;
  /** `authority/type:major.minor`. */
  contentType: string;
  content: Content;
  fallback?: string;
}

export type ConversationFilter = { kind?: ConversationKind };

/** One 30-day period's push-filter key (libxmtp HmacKey; a push server's thirtyDayPeriodsSinceEpoch). */
export interface HmacKeyInfo {
  /** 30-day periods since the Unix epoch. */
  epoch: number;
  /** Hex, 42 bytes: HMAC-SHA256 under it of a group message's data is the sender_hmac this user sends. */
  key: string;
}

/**
 * The keys of one MLS group of a conversation (a DM can have several groups): what a push server
 * needs to subscribe the group's topic and skip this user's own messages.
 */
export interface GroupHmacKeys {
  conversationId: string;
  /** Hex MLS group id. */
  groupId: string;
  /** `/xmtp/mls/1/g-<groupId>/proto`. */
  topic: string;
  /** The previous, current and next periods, oldest first. */
  keys: HmacKeyInfo[];
}

export interface GroupMetadataParams {
  name?: string;
  description?: string;
  imageUrl?: string;
}

/** XMTP's policy presets: "default" (All Members) and "admin_only". */
export type PermissionPreset = 'default' | 'admin_only';
/** Who a policy lets act; "other" only in answers, for a combined policy another client set. */
export type PermissionOption = 'allow' | 'deny' | 'admin' | 'superAdmin';
export type PermissionUpdateType = 'addMember' | 'removeMember' | 'addAdmin' | 'removeAdmin' | 'updateMetadata';

/** A new group's policies: a preset, or options over the default preset. */
export type GroupPermissionsParams =
  | PermissionPreset
  | {
      addMember?: PermissionOption;
      removeMember?: PermissionOption;
      addAdmin?: PermissionOption;
      removeAdmin?: PermissionOption;
      /** Per attribute: group_name, description, group_image_url_square, app_data, message_disappear_from_ns, message_disappear_in_ns. */
      updateMetadata?: Record<string, PermissionOption>;
    };

/** A group's roles and policies (node-sdk listAdmins, listSuperAdmins, permissions()). */
export interface GroupPermissions {
  conversationId: string;
  preset: PermissionPreset | 'custom';
  adminInboxIds: string[];
  superAdminInboxIds: string[];
  policies: {
    addMember: PermissionOption | 'other';
    removeMember: PermissionOption | 'other';
    addAdmin: PermissionOption | 'other';
    removeAdmin: PermissionOption | 'other';
    updatePermissions: PermissionOption | 'other';
    updateMetadata: Record<string, PermissionOption | 'other'>;
  };
}

type RoleParams = { conversationId: string; inboxId: string };

/** method → params → result. `undefined` params: the method takes none. */
export type RpcSchema = {
  xmtp_requestAccess: { params: { scope?: AccessScope }; result: Access };
  xmtp_getAccess: { params: undefined; result: Access | null };
  xmtp_revokeAccess: { params: undefined; result: true };
  xmtp_getInbox: { params: undefined; result: InboxInfo };
  xmtp_canMessage: { params: { identifiers: string[] }; result: Record<string, boolean> };
  xmtp_listConversations: { params: ConversationFilter; result: Conversation[] };
  xmtp_createDm: { params: { identifier: string }; result: Conversation };
  xmtp_createGroup: { params: { identifiers: string[]; permissions?: GroupPermissionsParams } & GroupMetadataParams; result: Conversation };
  xmtp_getMessages: { params: { conversationId: string; limit?: number; beforeNs?: string }; result: Message[] };
  xmtp_sendMessage: { params: { conversationId: string; content: SendableContent }; result: { id: string } };
  xmtp_updateGroup: { params: { conversationId: string } & GroupMetadataParams; result: Conversation };
  xmtp_addMembers: { params: { conversationId: string; identifiers: string[] }; result: Conversation };
  xmtp_removeMembers: { params: { conversationId: string; identifiers: string[] }; result: Conversation };
  xmtp_setConsent: { params: { conversationId: string; state: 'allowed' | 'denied' }; result: true };
  /** Push-filter keys of one conversation, or of every conversation the site sees. */
  xmtp_hmacKeys: { params: { conversationId?: string }; result: GroupHmacKeys[] };
  /** Replaces this installation's keys in the conversation (an MLS self-update; post-compromise security). */
  xmtp_updateKeys: { params: { conversationId: string }; result: true };
  xmtp_groupPermissions: { params: { conversationId: string }; result: GroupPermissions };
  xmtp_addAdmin: { params: RoleParams; result: GroupPermissions };
  xmtp_removeAdmin: { params: RoleParams; result: GroupPermissions };
  xmtp_addSuperAdmin: { params: RoleParams; result: GroupPermissions };
  xmtp_removeSuperAdmin: { params: RoleParams; result: GroupPermissions };
  xmtp_updatePermission: {
    params: { conversationId: string; update: PermissionUpdateType; option: PermissionOption; field?: string };
    result: GroupPermissions;
  };
};

export type RpcMethod = keyof RpcSchema;
export type RpcParams<M extends RpcMethod> = RpcSchema[M]['params'];
export type RpcResult<M extends RpcMethod> = RpcSchema[M]['result'];

/** A request as the provider takes it: params may be left out where the method takes none. */
export type RpcRequest<M extends RpcMethod = RpcMethod> = undefined extends RpcParams<M>
  ? { method: M; params?: RpcParams<M> }
  : { method: M; params: RpcParams<M> };

/** EIP-1193 `disconnect` carries a ProviderRpcError. */
export interface RpcErrorPayload {
  code: number;
  message: string;
  data?: unknown;
}

/** event → payload, pushed by the worker to the origins allowed to see it. */
export type RpcEvents = {
  message: Message;
  conversation: Conversation;
  accessChanged: Access | null;
  disconnect: RpcErrorPayload;
};

export type RpcEventName = keyof RpcEvents;

/** Every method, in the order of DESIGN §4's table; `satisfies` keeps it in step with RpcSchema. */
export const RPC_METHODS = [
  'xmtp_requestAccess',
  'xmtp_getAccess',
  'xmtp_revokeAccess',
  'xmtp_getInbox',
  'xmtp_canMessage',
  'xmtp_listConversations',
  'xmtp_createDm',
  'xmtp_createGroup',
  'xmtp_getMessages',
  'xmtp_sendMessage',
  'xmtp_updateGroup',
  'xmtp_addMembers',
  'xmtp_removeMembers',
  'xmtp_setConsent',
  'xmtp_hmacKeys',
  'xmtp_updateKeys',
  'xmtp_groupPermissions',
  'xmtp_addAdmin',
  'xmtp_removeAdmin',
  'xmtp_addSuperAdmin',
  'xmtp_removeSuperAdmin',
  'xmtp_updatePermission',
] as const satisfies readonly RpcMethod[];

/** Fails to compile when RPC_METHODS misses a method of RpcSchema. */
type MissingMethods = Exclude<RpcMethod, (typeof RPC_METHODS)[number]>;
const _everyMethodListed: [MissingMethods] extends [never] ? true : MissingMethods = true;
void _everyMethodListed;

export const RPC_EVENTS = ['message', 'conversation', 'accessChanged', 'disconnect'] as const satisfies readonly RpcEventName[];

export function isRpcMethod(value: unknown): value is RpcMethod {
  return typeof value === 'string' && (RPC_METHODS as readonly string[]).includes(value);
}

export function isRpcEventName(value: unknown): value is RpcEventName {
  return typeof value === 'string' && (RPC_EVENTS as readonly string[]).includes(value);
}
