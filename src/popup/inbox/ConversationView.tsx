import { useEffect, useRef, useState } from 'preact/hooks';
import { Avatar } from './Avatar';
import { Composer } from './Composer';
import { GroupSettings } from './GroupSettings';
import { CopyButton } from './CopyButton';
import { clockTime, conversationTitle, inboxName, messageText, sentAt } from './format';
import { MuteToggle } from './MuteToggle';
import { useStores } from './stores/stores';
import './ConversationView.css';

/** The open conversation: its messages (newest last), consent, sharing with a site, the composer. */
export function ConversationView() {
  const { inbox, session, sites } = useStores();
  const conversation = inbox.open.value;
  const own = session.active.value?.inboxId;
  const log = useRef<HTMLOListElement>(null);
  const view = useRef<HTMLElement>(null);
  const messages = inbox.messages.value;

  // The list button that opened this view is gone: keyboard focus moves into the view, to
  // the composer (type, Enter sends) or, with no composer, to Back.
  useEffect(() => {
    const target = view.current?.querySelector<HTMLElement>('#composer-message') ?? view.current?.querySelector<HTMLElement>('.conversation-bar button');
    target?.focus();
  }, [conversation?.id]);

  useEffect(() => {
    void sites.refresh();
  }, []);

  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView?.({ block: 'end' });
  }, [messages.length, messages.at(-1)?.id]);

  if (!conversation) return null;
  // Our own address too: a membership line names us among the others.
  const me = session.active.value;
  const addresses = me ? { ...inbox.addresses.value, [me.inboxId]: me.address } : inbox.addresses.value;
  const title = conversationTitle(conversation, addresses);
  const peerAddress = conversation.kind === 'dm' && conversation.peerInboxId ? addresses[conversation.peerInboxId] : undefined;
  const now = new Date();

  return (
    <section
      class="conversation-view"
      aria-label={title}
      ref={view}
      onKeyDown={(e) => {
        // Escape backs out to the list, as Back does.
        if (e.key !== 'Escape' || e.defaultPrevented) return;
        e.preventDefault();
        inbox.close();
      }}
    >
      <div class="conversation-bar">
        <button type="button" onClick={inbox.close}>
          Back
        </button>
        <Avatar seed={peerAddress ?? conversation.peerInboxId ?? conversation.id} size={28} />
        {peerAddress ? (
          <>
            <h2 title={peerAddress}>
              <bdi>{title}</bdi>
            </h2>
            <CopyButton address={peerAddress} />
          </>
        ) : (
          <h2><bdi>{title}</bdi></h2>
        )}
        <MuteToggle conversationId={conversation.id} />
      </div>
      <ConsentBar />
      {conversation.kind === 'group' && <GroupSettings conversationId={conversation.id} memberInboxIds={conversation.memberInboxIds} />}
      <div class="messages" role="log" aria-label="Messages">
        <ol ref={log}>
          {messages.length === 0 && <li class="muted">No messages yet.</li>}
          {messages.map((m) => {
            if (m.content.type === 'groupUpdated' || m.content.type === 'readReceipt') {
              // Not somebody's words: a muted line, and receipts not at all.
              return m.content.type === 'groupUpdated' ? (
                <li key={m.id} class="message-event">
                  {messageText(m, addresses)}
                </li>
              ) : null;
            }
            const mine = m.senderInboxId === own;
            return (
              <li key={m.id} class={mine ? 'message mine' : 'message'}>
                <span class="message-sender" title={mine ? undefined : (addresses[m.senderInboxId] ?? m.senderInboxId)}>
                  {mine ? 'You' : inboxName(m.senderInboxId, addresses)}
                </span>
                <span class="message-text"><bdi>{messageText(m)}</bdi></span>
                <time class="message-time" dateTime={sentAt(m).toISOString()} title={sentAt(m).toLocaleString()}>
                  {clockTime(sentAt(m), now)}
                </time>
              </li>
            );
          })}
        </ol>
      </div>
      {inbox.error.value && <p role="alert">{inbox.error.value}</p>}
      {conversation.consentState !== 'denied' && <Composer />}
      <ShareWithSite conversationId={conversation.id} />
    </section>
  );
}

/** Allow or block: a blocked conversation is hidden from every site and stops counting as unread. */
function ConsentBar() {
  const { inbox } = useStores();
  const state = inbox.open.value?.consentState;
  return (
    <div class="consent-bar">
      <span>{state === 'allowed' ? 'Allowed' : state === 'denied' ? 'Blocked' : 'Not yet allowed'}</span>
      {state !== 'allowed' && (
        <button type="button" onClick={() => void inbox.setConsent('allowed')}>
          Allow
        </button>
      )}
      {state !== 'denied' && (
        <button type="button" onClick={() => void inbox.setConsent('denied')}>
          Block
        </button>
      )}
    </div>
  );
}

/** Lets a `site`-scoped site see this conversation (DESIGN §4). */
function ShareWithSite({ conversationId }: { conversationId: string }) {
  const { sites } = useStores();
  const candidates = sites.grants.value.filter((g) => g.scope === 'site');
  const [origin, setOrigin] = useState('');
  if (candidates.length === 0) return null;
  const chosen = origin || candidates[0]?.origin || '';
  return (
    <form
      class="share"
      onSubmit={(e) => {
        e.preventDefault();
        void sites.share(chosen, conversationId);
      }}
    >
      <label>
        Share with site
        <select value={chosen} onChange={(e) => setOrigin(e.currentTarget.value)}>
          {candidates.map((g) => (
            <option key={g.origin} value={g.origin}>
              {g.origin}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Share</button>
      {sites.notice.value && <p role="status">{sites.notice.value}</p>}
      {sites.error.value && <p role="alert">{sites.error.value}</p>}
    </form>
  );
}
