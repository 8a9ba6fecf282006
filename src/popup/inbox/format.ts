import type { GroupUpdatedContent } from '../../core/content';
import { stripFormatControls } from '../../core/content';
import type { Conversation, Message } from '../../core/rpc';

/** `82249f…a61c`: enough of an id to tell two apart at a glance. */
export function shortId(id: string): string {
  return id.length <= 14 ? id : `${id.slice(0, 6)}…${id.slice(-4)}`;
}

/** `0x7099…79c8`: an address as people compare them, the start and the end. */
export function shortAddress(address: string): string {
  return address.length <= 12 ? address : `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** inbox id → account address, as the worker resolved them from identity logs. */
export type AddressBook = Readonly<Record<string, string>>;

/** Who an inbox is to a person: its address when known, else a short inbox id. */
export function inboxName(inboxId: string, addresses: AddressBook): string {
  const address = addresses[inboxId];
  return address ? shortAddress(address) : shortId(inboxId);
}

/**
 * Peer text (a group name is the peer's) without its bidi overrides; components isolate it in
 * `<bdi>`. A DM is named by the peer's address once the worker has it.
 */
export function conversationTitle(c: Conversation, addresses: AddressBook = {}): string {
  if (c.kind === 'group') return stripFormatControls(c.name ?? '').trim() || 'Untitled group';
  const peer = c.peerInboxId ?? c.memberInboxIds[0] ?? '';
  const address = addresses[peer];
  return address ? shortAddress(address) : `DM with ${shortId(peer)}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * When, as a messenger's list says it: "now", "5 min", "3 h" today, "yesterday", the weekday
 * within a week, else the date. `now` is passed so that tests choose the day.
 */
export function relativeTime(at: Date, now: Date): string {
  const ago = now.getTime() - at.getTime();
  if (ago < MINUTE) return 'now';
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min`;
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  if (at.getTime() >= startOfToday) return `${Math.floor(ago / HOUR)} h`;
  const day = 24 * HOUR;
  if (at.getTime() >= startOfToday - day) return 'yesterday';
  if (at.getTime() >= startOfToday - 6 * day) return at.toLocaleDateString([], { weekday: 'short' });
  const sameYear = at.getFullYear() === now.getFullYear();
  return at.toLocaleDateString([], sameYear ? { month: 'short', day: 'numeric' } : { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Membership and metadata changes as a line of the conversation, not as somebody's message. */
export function groupUpdateText(c: GroupUpdatedContent, addresses: AddressBook = {}): string {
  const parts: string[] = [];
  const people = (ids: string[]) => ids.map((id) => inboxName(id, addresses)).join(', ');
  if (c.addedInboxes.length > 0) parts.push(`${people(c.addedInboxes)} joined`);
  if (c.removedInboxes.length > 0) parts.push(`${people(c.removedInboxes)} removed`);
  if (c.leftInboxes.length > 0) parts.push(`${people(c.leftInboxes)} left`);
  for (const change of c.metadataFieldChanges) {
    if (change.fieldName === 'group_name') parts.push(`renamed to “${change.newValue ?? ''}”`);
    else if (change.fieldName === 'description') parts.push('description changed');
  }
  return parts.length > 0 ? parts.join('; ') : 'Conversation updated';
}

/** One line of text for any content type, without bidi overrides; types without text say what they are. */
export function messageText(m: Message, addresses: AddressBook = {}): string {
  return stripFormatControls(contentText(m, addresses));
}

function contentText(m: Message, addresses: AddressBook): string {
  const c = m.content;
  switch (c.type) {
    case 'text':
      return c.text;
    case 'markdown':
      return c.markdown;
    case 'reply':
      // The quoted message's own words, or what its content says it is.
      return c.content.type === 'text' ? c.content.text : c.content.type === 'markdown' ? c.content.markdown : contentText(withoutFallback({ ...m, content: c.content }), addresses);
    case 'groupUpdated':
      return groupUpdateText(c, addresses);
    case 'reaction':
      return `${c.action === 'removed' ? 'Removed' : 'Reacted'} ${c.content}`;
    case 'attachment':
      return `📎 ${c.filename ?? 'attachment'} (${c.mimeType}, ${byteSize(Math.floor((c.data.length * 3) / 4))})`;
    case 'remoteStaticAttachment':
      // Never fetched by itself: the address it would come from is shown, not loaded.
      return `📎 ${c.filename ?? 'file'}${c.contentLength === undefined ? '' : ` (${byteSize(c.contentLength)})`}, stored at ${hostOf(c.url)}`;
    case 'transactionReference':
      return `Transaction ${shortHex(c.reference)} on network ${c.networkId}${c.metadata ? `: ${c.metadata.amount / 10 ** c.metadata.decimals} ${c.metadata.currency}` : ''}`;
    case 'walletSendCalls':
      return `Asks your wallet to send ${c.calls.length} ${c.calls.length === 1 ? 'call' : 'calls'} on chain ${c.chainId}`;
    case 'readReceipt':
      return 'Read';
    default:
      return m.fallback ?? `[${c.type}]`;
  }
}

/** The inner content of a reply: the outer message's fallback text is not its own. */
function withoutFallback(m: Message): Message {
  const { fallback: _, ...rest } = m;
  return rest;
}

function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return 'an address that is not a URL';
  }
}

function shortHex(value: string): string {
  return value.length > 14 ? `${value.slice(0, 8)}…${value.slice(-4)}` : value;
}

/** A message's time in its conversation: the clock today, the date and the clock before. */
export function clockTime(at: Date, now: Date): string {
  const clock = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const today = at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth() && at.getDate() === now.getDate();
  return today ? clock : `${at.toLocaleDateString([], { month: 'short', day: 'numeric' })}, ${clock}`;
}

export function sentAt(m: Message): Date {
  return new Date(Number(BigInt(m.sentAtNs) / 1_000_000n));
}

/** Addresses typed by a person: commas, spaces or new lines between them. */
export function parseAddresses(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((a) => a.trim().toLowerCase()).filter(Boolean))];
}
