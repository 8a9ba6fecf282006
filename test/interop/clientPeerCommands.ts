import type { MessageInfo, Peer } from './peer';

// The driver's commands for content beyond text (test/interop/peer/driver.mjs), typed for the
// client interop suite; peer.ts keeps the commands the node suite uses.

/** A message with what node-sdk attaches to it (libxmtp enriched messages). */
export interface RichMessageInfo extends MessageInfo {
  /** Reactions to this message, as node-sdk folds them in. */
  reactions: MessageInfo[];
  numReplies: string | number;
}

/** node-sdk's Reaction as the driver returns it (enums are numbers: ReactionAction.Added = 1). */
export interface PeerReaction {
  reference: string;
  referenceInboxId: string;
  action: number;
  content: string;
  schema: number;
}

/** node-sdk's EnrichedReply as the driver returns it. */
export interface PeerReply {
  referenceId: string;
  content: unknown;
  contentType?: { authorityId: string; typeId: string; versionMajor: number; versionMinor: number };
  inReplyTo: MessageInfo | null;
}

export interface ReactionArgs {
  reference: string;
  referenceInboxId?: string;
  action?: 'added' | 'removed';
  content: string;
  schema?: 'unicode' | 'shortcode' | 'custom';
}

/** Sends a reaction (xmtp.org/reaction:2.0); resolves to its message id. */
export function sendReaction(peer: Peer, conversationId: string, reaction: ReactionArgs): Promise<string> {
  return peer.call('sendReaction', { conversationId, ...reaction });
}

/** Sends a text reply (xmtp.org/reply:1.0 around xmtp.org/text:1.0); resolves to its message id. */
export function sendReply(peer: Peer, conversationId: string, reply: { reference: string; referenceInboxId?: string; text: string }): Promise<string> {
  return peer.call('sendReply', { conversationId, ...reply });
}

export function sendReadReceipt(peer: Peer, conversationId: string): Promise<string> {
  return peer.call('sendReadReceipt', { conversationId });
}

/** node-sdk's conversation.messages() with reactions and reply counts, oldest first. */
export function richMessages(peer: Peer, conversationId: string): Promise<RichMessageInfo[]> {
  return peer.call('richMessages', { conversationId });
}
