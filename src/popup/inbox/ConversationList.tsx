import { useStores } from './stores/stores';
import { conversationTitle } from './format';
import './ConversationList.css';

/** Every conversation of the inbox, newest first, with its unread count. */
export function ConversationList() {
  const { inbox } = useStores();
  const list = inbox.conversations.value;
  const unread = inbox.unread.value;
  if (inbox.loaded.value && list.length === 0) return <p class="muted">No conversations yet. Start one below.</p>;
  return (
    <ul class="conversation-list" aria-label="Conversations">
      {list.map((c) => {
        const title = conversationTitle(c);
        const count = unread[c.id] ?? 0;
        const blocked = c.consentState === 'denied';
        const label = [title, count > 0 ? `${count} unread` : '', blocked ? 'blocked' : ''].filter(Boolean).join(', ');
        return (
          <li key={c.id}>
            <button type="button" class="conversation-item" aria-label={label} onClick={() => void inbox.openConversation(c.id)}>
              {/* The kind badge's text is CSS content: the visible text must stay inside the aria-label (axe: label-content-name-mismatch). */}
              <span class={`conversation-kind ${c.kind}`} data-kind={c.kind === 'group' ? 'G' : 'DM'} aria-hidden="true" />
              <span class="conversation-title"><bdi>{title}</bdi></span>{' '}
              {count > 0 && (
                <span class="unread-count" aria-hidden="true">
                  {count > 99 ? '99+' : count}
                </span>
              )}{' '}
              {blocked && <span class="conversation-blocked">blocked</span>}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
