/**
 * Parley's dApp SDK: a typed wrapper over `window.xmtp` with the names of XMTP's SDKs.
 *
 *   const client = await Parley.connect();
 *   const dm = await client.conversations.createDm('0x…');
 *   await dm.sendText('gm');
 *   for await (const message of client.conversations.streamAllMessages()) …
 */
import { ParleyClient } from './client';

export const Parley = { connect: ParleyClient.connect } as const;

export { ParleyClient, type ConnectOptions } from './client';
export { Conversations, type CreateGroupOptions, type ListOptions } from './conversations';
export { Conversation, Dm, Group, type MessagesOptions } from './conversation';
export { EventStream, DEFAULT_STREAM_BUFFER, type EventStreamOptions } from './eventStream';
export { discoverProvider, DEFAULT_DISCOVERY_TIMEOUT_MS, type DiscoverOptions, type DiscoveryWindow } from './discoverProvider';
export { isXmtpRpcError, ProviderNotFoundError, StreamOverflowError, XmtpRpcError } from './errors';
export type { ProviderDetail, XmtpProvider } from './provider';
export type {
  Access,
  AccessScope,
  Conversation as ConversationData,
  GroupHmacKeys,
  GroupPermissions,
  GroupPermissionsParams,
  HmacKeyInfo,
  InboxInfo,
  Message,
  PermissionOption,
  PermissionPreset,
  PermissionUpdateType,
} from '../core/rpc/schema';
export type { Content, SendableContent } from '../core/content/content';
