import type { Conversation } from '../../core/rpc';
import { Avatar } from './Avatar';
import { conversationTitle, inboxName, messageText, relativeTime, sentAt } from './format';
import type { InboxSection } from './stores/inboxStore';
import { useStores } from './stores/stores';
import './ConversationList.css';

/**
 * The inbox (accepted conversations) and, apart from it, the message requests: conversations a
 * stranger started (consent "unknown"), to accept into the inbox or block. Each row shows the
 * peer's address (or the group's name), an avatar, the newest message and when it came.
 */
export function ConversationList({ now = new Date() }: { now?: Date }) {
  const { inbox } = useStores();
  const section = inbox.section.value;
  const requests = inbox.requests.value.length;
  if (!inbox.loaded.value) return <ListSkeleton />;
  return (
    <>
      <div class="section-switch" role="group" aria-label="Show">
        <SectionButton id="inbox" label="Inbox" />
        <SectionButton id="requests" label="Requests" count={requests} />
      </div>
      {section === 'inbox' ? (
        <Rows list={inbox.inboxList.value} label="Conversations" empty="No conversations yet. Start one below." now={now} />
      ) : (
        <>
          <Rows list={inbox.requests.value} label="Message requests" empty="No message requests. Conversations people you have not accepted start show here." now={now} request />
          {inbox.blocked.value.length > 0 && (
            <>
              <h2 class="list-heading">Blocked</h2>
              <Rows list={inbox.blocked.value} label="Blocked conversations" empty="" now={now} />
            </>
          )}
        </>
      )}
    </>
  );
}

function SectionButton({ id, label, count = 0 }: { id: InboxSection; label: string; count?: number }) {
  const { inbox } = useStores();
  return (
    <button
      type="button"
      aria-pressed={inbox.section.value === id}
      onClick={() => {
        inbox.section.value = id;
      }}
    >
      {label}
      {count > 0 && (
        <>
          {' '}
          <span class="section-count">{count > 99 ? '99+' : count}</span>
        </>
      )}
    </button>
  );
}

function Rows({ list, label, empty, now, request = false }: { list: Conversation[]; label: string; empty: string; now: Date; request?: boolean }) {
  const { inbox, session } = useStores();
  if (list.length === 0) return empty ? <p class="muted empty-state">{empty}</p> : null;
  const unread = inbox.unread.value;
  const addresses = inbox.addresses.value;
  const own = session.active.value?.inboxId;
  return (
    <ul class="conversation-list" aria-label={label}>
      {list.map((c) => {
        const title = conversationTitle(c, addresses);
        const count = unread[c.id] ?? 0;
        const blocked = c.consentState === 'denied';
        const name = [title, count > 0 ? `${count} unread` : '', blocked ? 'blocked' : ''].filter(Boolean).join(', ');
        const last = inbox.summaries.value[c.id]?.lastMessage;
        const peer = c.kind === 'dm' ? (c.peerInboxId ?? '') : '';
        const previewId = `preview-${c.id}`;
        const who = last && c.kind === 'group' ? (last.senderInboxId === own ? 'You: ' : `${inboxName(last.senderInboxId, addresses)}: `) : last?.senderInboxId === own ? 'You: ' : '';
        return (
          <li key={c.id} class={count > 0 ? 'conversation-row unread' : 'conversation-row'}>
            <Avatar seed={peer ? (addresses[peer] ?? peer) : c.id} />
            <div class="conversation-main">
              <button
                type="button"
                class="conversation-item"
                aria-label={name}
                aria-describedby={last ? previewId : undefined}
                title={peer && addresses[peer] ? addresses[peer] : undefined}
                onClick={() => void inbox.openConversation(c.id)}
              >
                <span class={`conversation-kind ${c.kind}`} data-kind={c.kind === 'group' ? 'G' : 'DM'} aria-hidden="true" />
                <span class="conversation-title"><bdi>{title}</bdi></span>{' '}
                {count > 0 && (
                  <span class="unread-count" aria-hidden="true">
                    {count > 99 ? '99+' : count}
                  </span>
                )}{' '}
                {blocked && <span class="conversation-blocked">blocked</span>}
              </button>
              {last && (
                <p class="conversation-preview" id={previewId}>
                  <time dateTime={sentAt(last).toISOString()} title={sentAt(last).toLocaleString()}>
                    {relativeTime(sentAt(last), now)}
                  </time>{' '}
                  <span class="preview-text">
                    {who}
                    <bdi>{messageText(last, addresses)}</bdi>
                  </span>
                </p>
              )}
              {request && (
                <div class="request-actions">
                  <button type="button" class="p-primary" aria-label={`Accept ${title}`} onClick={() => void inbox.setConsentOf(c.id, 'allowed')}>
                    Accept
                  </button>
                  <button type="button" aria-label={`Block ${title}`} onClick={() => void inbox.setConsentOf(c.id, 'denied')}>
                    Block
                  </button>
                </div>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}

/** Before the first list arrives: the shape of the list, announced as loading. */
function ListSkeleton() {
  return (
    <div class="list-skeleton" role="status" aria-label="Loading conversations">
      {[0, 1, 2].map((i) => (
        <div key={i} class="skeleton-row" aria-hidden="true">
          <span class="skeleton-avatar" />
          <span class="skeleton-lines">
            <span class="skeleton-line" />
            <span class="skeleton-line short" />
          </span>
        </div>
      ))}
    </div>
  );
}
