import type { ConsentState } from '../core/rpc';

/**
 * What a new message raises: nothing, a notification with its text, or — for a conversation the
 * user has not decided on (a message request) — one quiet notice that names no sender and shows
 * none of a stranger's words, once per request, until the user allows it.
 */
export type NotifyDecision = 'none' | 'message' | 'request';

export interface NotifyFacts {
  ownInboxId: string;
  senderInboxId: string;
  /** The message's content type in the RPC shape ('text', 'readReceipt', 'groupUpdated' …). */
  contentType: string;
  consentState: ConsentState;
  muted: boolean;
  sentAtNs: bigint;
  /** Messages sent at or before this are read. */
  readNs: bigint;
  /** Newest message a notification was shown (or skipped) for. */
  notifiedNs: bigint;
  /** The request notice was shown already for this conversation. */
  requestNoticed: boolean;
}

/** Receipts and membership changes are nobody's words: they never notify (nor count as unread). */
export function isPersonMessage(contentType: string): boolean {
  return contentType !== 'readReceipt' && contentType !== 'groupUpdated';
}

/** The rule, pure: consent and mutes first, then whether this message is new to the user. */
export function shouldNotify(f: NotifyFacts): NotifyDecision {
  if (f.senderInboxId === f.ownInboxId || !isPersonMessage(f.contentType)) return 'none';
  if (f.consentState === 'denied' || f.muted) return 'none';
  if (f.sentAtNs <= f.readNs || f.sentAtNs <= f.notifiedNs) return 'none';
  if (f.consentState === 'unknown') return f.requestNoticed ? 'none' : 'request';
  return 'message';
}
