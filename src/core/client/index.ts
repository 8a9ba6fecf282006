/** The messaging client: Client, conversations, messages, the store interface and its memory store. */
export { Client, type AccountIdentifier, type ClientOptions } from './client';
export type { AccountSigner } from './register';
export {
  Conversations,
  type CreateDmOptions,
  type CreateGroupOptions,
  type ListConversationsOptions,
  type StreamOptions,
  type SyncProgress,
} from './conversations';
export { Conversation, Dm, Group, type ConversationMember, type ListMessagesOptions, type PermissionLevel } from './conversation';
export type { DecodedMessage } from './decodedMessage';
export type {
  AdminListAction,
  PermissionOption,
  PermissionsView,
  PermissionUpdate,
  PermissionUpdateType,
  PolicyOptionView,
  PolicyPreset,
} from '../mls/policyUpdate';
export type { SendOptions } from './engine';
export { groupMessageTopic, hmacKeysJson, type GroupHmacKeysJson, type HmacKey, type HmacKeysByGroup } from './hmacKeys';
export { HMAC_ROOT_KEY_LENGTH, newHmacRootKey } from './hmacRoot';
export { DEFAULT_KEY_ROTATION, type KeyRotationPolicy } from './keyRotation';
export { AsyncStream } from './stream';
export { createMemoryStore } from './memoryStore';
export type * from './store';
