import type { JsonObject as Obj } from './paramReaders';
import { field as get, invalid as fail, object, string } from './paramReaders';
import type { Access, AccessScope, Message, RpcMethod } from './schema';
import { isRpcMethod } from './schema';

/*
 * The runtime messages between the extension's own pages (popup, onboarding, approval) and the
 * worker. The worker accepts them only from its own pages (checked on the sender), and still
 * validates each one: a page bug must not write a malformed record into the vault.
 */

export type VaultState = 'uninitialized' | 'locked' | 'unlocked';

export interface IdentitySummary {
  /** Opaque id of the identity in this vault. */
  id: string;
  label: string;
  address: string;
  inboxId: string;
  installationId: string;
  createdAt: number;
}

export interface VaultStatus {
  state: VaultState;
  /** Empty unless unlocked. */
  identities: IdentitySummary[];
  activeIdentityId: string | null;
}

export interface ApprovalRequest {
  id: string;
  kind: 'access';
  /** The origin as the browser reported it for the requesting page. */
  origin: string;
  requestedScope: AccessScope;
}

/** The approval window's view: the request and the identity Approve would grant it to (the active one). */
export interface ApprovalView extends ApprovalRequest {
  /** Null until onboarding made an identity. */
  identity: IdentitySummary | null;
}

export interface Settings {
  nodeUrl: string;
  autoLockMinutes: number;
  /** Off by default: a granted site's method calls count as use and push auto-lock out. */
  grantedSitesKeepUnlocked: boolean;
}

/** What the popup's list shows of a conversation beyond its metadata. */
export interface ConversationSummary {
  /** The newest message a person reads (no read receipts); an attachment without its data. */
  lastMessage?: Message;
}

/** Every conversation's summary, and the account addresses of the DM peers and newest senders whose identity logs name one. */
export interface InboxSummaries {
  conversations: Record<string, ConversationSummary>;
  /** inbox id → lowercase 0x address. */
  addresses: Record<string, string>;
}

/** The most inbox ids one `inbox_addresses` call resolves: XMTP's group size cap plus a margin. */
export const MAX_ADDRESS_LOOKUPS = 256;

export type UiSchema = {
  vault_status: { params: undefined; result: VaultStatus };
  vault_create: { params: { password: string }; result: VaultStatus };
  vault_unlock: { params: { password: string }; result: VaultStatus };
  vault_lock: { params: undefined; result: VaultStatus };
  identity_create: { params: { label?: string }; result: IdentitySummary };
  identity_import: { params: { privateKey: string; label?: string }; result: IdentitySummary };
  /**
   * Another identity becomes the active one. `sitesFollow`: the sites connected to the old one
   * move to it; otherwise they stay with the old one (no access until switched back).
   */
  identity_select: { params: { id: string; sitesFollow?: boolean }; result: VaultStatus };
  approval_get: { params: { approvalId: string }; result: ApprovalView };
  /** `identityId`: the identity the window showed; another one active by now fails with Vault.IdentityChanged. */
  approval_decide: { params: { approvalId: string; approved: boolean; scope?: AccessScope; identityId?: string }; result: true };
  grants_list: { params: undefined; result: Access[] };
  grants_revoke: { params: { origin: string }; result: true };
  grants_share: { params: { origin: string; conversationId: string }; result: true };
  settings_get: { params: undefined; result: Settings };
  settings_set: { params: Partial<Settings>; result: Settings };
  /** Mutes or unmutes a conversation for the active identity: a muted one raises no notification. */
  conversation_setMuted: { params: { conversationId: string; muted: boolean }; result: { muted: boolean } };
  conversation_muted: { params: { conversationId: string }; result: { muted: boolean } };
  /** The popup's inbox: any dApp method, run for the whole inbox (no grant, no prompt). */
  inbox_request: { params: { method: RpcMethod; params?: unknown }; result: unknown };
  /** The popup's list: each conversation's newest message and its DM peers' addresses. */
  inbox_summaries: { params: undefined; result: InboxSummaries };
  /** Account addresses of inboxes (a group's senders); those without one are left out. */
  inbox_addresses: { params: { inboxIds: string[] }; result: Record<string, string> };
};

export type UiMethod = keyof UiSchema;
export type UiParams<M extends UiMethod> = UiSchema[M]['params'];
export type UiResult<M extends UiMethod> = UiSchema[M]['result'];

/** A runtime message from a page; the answer is `{ ok: true, result }` or `{ ok: false, error }`. */
export interface UiMessage {
  parley: 'ui';
  method: UiMethod;
  params?: unknown;
}

/** A failure as a page is told it: the Parley code (or `Internal`), the short message, and for a throttle the wait. */
export interface UiErrorPayload {
  code: string;
  message: string;
  retryAfterMs?: number;
}

export type UiReply = { ok: true; result: unknown } | { ok: false; error: UiErrorPayload };

export const MIN_PASSWORD_CHARS = 8;
const MAX_PASSWORD_CHARS = 1024;
const MAX_LABEL_CHARS = 64;
const MAX_ORIGIN_CHARS = 2048;
export const MIN_AUTO_LOCK_MINUTES = 1;
export const MAX_AUTO_LOCK_MINUTES = 24 * 60;

function label(obj: Obj): { label?: string } {
  const v = get(obj, 'label');
  return v === undefined || v === null ? {} : { label: string(v, 'params.label', MAX_LABEL_CHARS, 1) };
}

function password(p: unknown): { password: string } {
  return { password: string(get(object(p), 'password'), 'params.password', MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS) };
}

/** An origin exactly as URL serializes it: scheme, host, port; nothing after. */
export function parseOrigin(value: unknown, path = 'params.origin'): string {
  const s = string(value, path, MAX_ORIGIN_CHARS);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return fail(path, 'not a URL');
  }
  if (url.origin === 'null' || url.origin !== s) fail(path, 'not an origin');
  return s;
}

const ID = /^[0-9a-f]{1,128}$/;

function hexId(value: unknown, path: string): string {
  const s = string(value, path, 256);
  if (!ID.test(s)) fail(path, 'expected lowercase hex');
  return s;
}

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

export type UiValidators = { [M in UiMethod]: (params: unknown) => UiParams<M> };

export const validateUiParams: UiValidators = {
  vault_status: () => undefined,
  vault_create: password,
  vault_unlock: password,
  vault_lock: () => undefined,
  identity_create: (p) => label(p === undefined ? {} : object(p)),
  identity_import: (p) => {
    const obj = object(p);
    const key = string(get(obj, 'privateKey'), 'params.privateKey', 66);
    if (!PRIVATE_KEY.test(key)) fail('params.privateKey', 'expected 32 bytes of hex');
    return { privateKey: key.startsWith('0x') ? key.toLowerCase() : `0x${key.toLowerCase()}`, ...label(obj) };
  },
  identity_select: (p) => {
    const obj = object(p);
    const out: UiParams<'identity_select'> = { id: hexId(get(obj, 'id'), 'params.id') };
    const follow = get(obj, 'sitesFollow');
    if (follow !== undefined) {
      if (typeof follow !== 'boolean') fail('params.sitesFollow', 'expected a boolean');
      out.sitesFollow = follow;
    }
    return out;
  },
  approval_get: (p) => ({ approvalId: hexId(get(object(p), 'approvalId'), 'params.approvalId') }),
  approval_decide: (p) => {
    const obj = object(p);
    const approved = get(obj, 'approved');
    if (typeof approved !== 'boolean') fail('params.approved', 'expected a boolean');
    const scope = get(obj, 'scope');
    if (scope !== undefined && scope !== 'site' && scope !== 'inbox') fail('params.scope', 'expected "site" or "inbox"');
    const out: UiParams<'approval_decide'> = { approvalId: hexId(get(obj, 'approvalId'), 'params.approvalId'), approved };
    if (scope !== undefined) out.scope = scope;
    const identityId = get(obj, 'identityId');
    if (identityId !== undefined) out.identityId = hexId(identityId, 'params.identityId');
    return out;
  },
  grants_list: () => undefined,
  grants_revoke: (p) => ({ origin: parseOrigin(get(object(p), 'origin')) }),
  grants_share: (p) => {
    const obj = object(p);
    return { origin: parseOrigin(get(obj, 'origin')), conversationId: hexId(get(obj, 'conversationId'), 'params.conversationId') };
  },
  settings_get: () => undefined,
  settings_set: (p) => {
    const obj = object(p);
    const out: Partial<Settings> = {};
    const nodeUrl = get(obj, 'nodeUrl');
    if (nodeUrl !== undefined) out.nodeUrl = parseNodeUrl(nodeUrl);
    const minutes = get(obj, 'autoLockMinutes');
    if (minutes !== undefined) {
      if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < MIN_AUTO_LOCK_MINUTES || minutes > MAX_AUTO_LOCK_MINUTES) {
        fail('params.autoLockMinutes', `expected an integer from ${MIN_AUTO_LOCK_MINUTES} to ${MAX_AUTO_LOCK_MINUTES}`);
      }
      out.autoLockMinutes = minutes;
    }
    const keepUnlocked = get(obj, 'grantedSitesKeepUnlocked');
    if (keepUnlocked !== undefined) {
      if (typeof keepUnlocked !== 'boolean') fail('params.grantedSitesKeepUnlocked', 'expected a boolean');
      out.grantedSitesKeepUnlocked = keepUnlocked;
    }
    return out;
  },
  conversation_setMuted: (p) => {
    const obj = object(p);
    const muted = get(obj, 'muted');
    if (typeof muted !== 'boolean') fail('params.muted', 'expected a boolean');
    return { conversationId: hexId(get(obj, 'conversationId'), 'params.conversationId'), muted };
  },
  conversation_muted: (p) => ({ conversationId: hexId(get(object(p), 'conversationId'), 'params.conversationId') }),
  inbox_request: (p) => {
    const obj = object(p);
    const method = get(obj, 'method');
    if (!isRpcMethod(method)) fail('params.method', 'not a method of window.xmtp');
    const params = get(obj, 'params');
    return params === undefined ? { method } : { method, params };
  },
  inbox_summaries: () => undefined,
  inbox_addresses: (p) => {
    const ids = get(object(p), 'inboxIds');
    if (!Array.isArray(ids)) return fail('params.inboxIds', 'expected an array');
    if (ids.length > MAX_ADDRESS_LOOKUPS) fail('params.inboxIds', `at most ${MAX_ADDRESS_LOOKUPS}`);
    return { inboxIds: [...new Set(ids.map((id, i) => hexId(id, `params.inboxIds[${i}]`)))] };
  },
};

/** The node URL: http(s) only, no credentials; the worker fetches it for every API call. */
export function parseNodeUrl(value: unknown): string {
  const s = string(value, 'params.nodeUrl', 2048);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return fail('params.nodeUrl', 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('params.nodeUrl', 'expected http or https');
  if (url.username || url.password) fail('params.nodeUrl', 'must not hold credentials');
  return url.href.replace(/\/$/, '');
}

export function isUiMethod(value: unknown): value is UiMethod {
  return typeof value === 'string' && Object.hasOwn(validateUiParams, value);
}

/*
 * The popup inbox's own messages (worker side: src/background/uiInboxActivity.ts): unread
 * counts, which also drive the badge, and read marks. Kept apart from UiSchema so the platform's
 * handler table stays whole; the worker dispatches them before UiSchema's.
 */

/** Unread messages from others, per conversation id (only those with any), and their sum. */
export interface InboxActivity {
  unread: Record<string, number>;
  total: number;
}

export type InboxUiSchema = {
  /** Syncs (at most every few seconds), recounts unread messages and refreshes the badge. */
  inbox_activity: { params: undefined; result: InboxActivity };
  /** Everything in the conversation up to its newest message is read. */
  inbox_markRead: { params: { conversationId: string }; result: InboxActivity };
};

export type InboxUiMethod = keyof InboxUiSchema;

export const validateInboxUiParams: { [M in InboxUiMethod]: (params: unknown) => InboxUiSchema[M]['params'] } = {
  inbox_activity: () => undefined,
  inbox_markRead: (p) => ({ conversationId: hexId(get(object(p), 'conversationId'), 'params.conversationId') }),
};

export function isInboxUiMethod(value: unknown): value is InboxUiMethod {
  return typeof value === 'string' && Object.hasOwn(validateInboxUiParams, value);
}

/*
 * What the worker pushes to the popup inbox over a runtime Port the popup opens (named
 * INBOX_EVENTS_PORT; the worker accepts it from its own pages only): which part of the inbox
 * changed, so the popup re-fetches that part instead of polling. The popup resyncs whole when
 * the port reconnects (the MV3 worker was stopped) or the window regains focus.
 */
export const INBOX_EVENTS_PORT = 'parley-inbox';

export type InboxUiEvent =
  /** Locked, unlocked, or another identity: re-read vault_status. */
  | { event: 'session' }
  /** A conversation appeared or its name, members or consent changed. */
  | { event: 'conversations' }
  /** New messages in one conversation. */
  | { event: 'messages'; conversationId: string }
  /** The unread counts changed; here they are. */
  | { event: 'unread'; activity: InboxActivity }
  /** A site was granted access or lost it. */
  | { event: 'grants' }
  /** A sync with the node is under way: conversations synced of those it syncs. */
  | { event: 'syncProgress'; synced: number; total: number };
