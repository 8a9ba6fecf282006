import type { Message } from '../core/rpc';
import type { ConversationSummary, InboxSummaries } from '../core/rpc/ui';
import type { Messaging } from './messaging';

/** A preview needs only the start of a long text; the popup clips it to one line anyway. */
export const PREVIEW_CHARS = 200;
/** Receipts come in runs after a message: this many of the newest find the message before them. */
const PREVIEW_SCAN = 10;

/** The message as a list preview: long text cut, an attachment's data left out. */
export function previewOf(message: Message): Message {
  const c = message.content;
  if (c.type === 'text' && c.text.length > PREVIEW_CHARS) return { ...message, content: { ...c, text: c.text.slice(0, PREVIEW_CHARS) } };
  if (c.type === 'markdown' && c.markdown.length > PREVIEW_CHARS) return { ...message, content: { ...c, markdown: c.markdown.slice(0, PREVIEW_CHARS) } };
  if (c.type === 'attachment') return { ...message, content: { ...c, data: '' } };
  return message;
}

/**
 * The account address of each inbox, from the identity logs the engine holds (fetched when it
 * has none); an inbox whose log cannot be read now is left out, not an error for the others.
 */
export async function addressesOf(messaging: Messaging, inboxIds: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const inboxId of new Set(inboxIds)) {
    const address = await messaging.accountAddressOf(inboxId).catch(() => undefined);
    if (address !== undefined) out[inboxId] = address;
  }
  return out;
}

/**
 * What the popup's list shows: each conversation's newest readable message, and the addresses of
 * each DM peer and of each group's newest sender (the preview names them).
 */
export async function inboxSummaries(messaging: Messaging): Promise<InboxSummaries> {
  const conversations: Record<string, ConversationSummary> = {};
  const peers: string[] = [];
  for (const view of await messaging.listConversations({})) {
    if (view.kind === 'dm' && view.peerInboxId) peers.push(view.peerInboxId);
    const recent = await messaging.getMessages(view.id, { limit: PREVIEW_SCAN });
    const last = recent.findLast((m) => m.content.type !== 'readReceipt');
    conversations[view.id] = last ? { lastMessage: previewOf(last) } : {};
    if (view.kind === 'group' && last) peers.push(last.senderInboxId);
  }
  return { conversations, addresses: await addressesOf(messaging, peers) };
}
