import type { GroupUpdatedContent } from '../../core/content';
import { stripFormatControls } from '../../core/content';
import type { Conversation, Message } from '../../core/rpc';

/** `82249f…a61c`: enough of an id to tell two apart at a glance. */
export function shortId(id: string): string {
  return id.length <= 14 ? id : `${id.slice(0, 6)}…${id.slice(-4)}`;
}

/** Peer text (a group name is the peer's) without its bidi overrides; components isolate it in `<bdi>`. */
export function conversationTitle(c: Conversation): string {
  if (c.kind === 'group') return stripFormatControls(c.name ?? '').trim() || 'Untitled group';
  return `DM with ${shortId(c.peerInboxId ?? c.memberInboxIds[0] ?? '')}`;
}

/** Membership and metadata changes as a line of the conversation, not as somebody's message. */
export function groupUpdateText(c: GroupUpdatedContent): string {
  const parts: string[] = [];
  const people = (ids: string[]) => ids.map(shortId).join(', ');
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
export function messageText(m: Message): string {
  return stripFormatControls(contentText(m));
}

function contentText(m: Message): string {
  const c = m.content;
  switch (c.type) {
    case 'text':
      return c.text;
    case 'markdown':
      return c.markdown;
    case 'reply':
      return c.content.type === 'text' ? c.content.text : (m.fallback ?? 'Reply');
    case 'groupUpdated':
      return groupUpdateText(c);
    case 'reaction':
      return `${c.action === 'removed' ? 'Removed' : 'Reacted'} ${c.content}`;
    default:
      return m.fallback ?? `[${c.type}]`;
  }
}

export function sentAt(m: Message): Date {
  return new Date(Number(BigInt(m.sentAtNs) / 1_000_000n));
}

/** Addresses typed by a person: commas, spaces or new lines between them. */
export function parseAddresses(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((a) => a.trim().toLowerCase()).filter(Boolean))];
}
