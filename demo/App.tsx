import { useEffect, useState } from 'preact/hooks';
import type { AccessScope, Dm, Group, Message } from '../src/sdk';
import type { DemoStore } from './demoStore';
import './App.css';

type AnyConversation = Dm | Group;

function short(id: string): string {
  return id.length <= 14 ? id : `${id.slice(0, 6)}…${id.slice(-4)}`;
}

function titleOf(c: AnyConversation): string {
  return c.kind === 'group' ? (c as Group).name || 'Untitled group' : `DM with ${short((c as Dm).peerInboxId)}`;
}

function textOf(m: Message): string {
  return m.content.type === 'text' ? m.content.text : (m.fallback ?? `[${m.content.type}]`);
}

/** Membership changes and receipts are the protocol's bookkeeping, not somebody's words. */
function isChat(m: Message): boolean {
  return m.content.type !== 'groupUpdated' && m.content.type !== 'readReceipt';
}

/** A small dApp on Parley's SDK: connect, the inbox, DMs and groups, live messages, a composer. */
export function App({ store }: { store: DemoStore }) {
  useEffect(() => {
    void store.start();
  }, []);

  return (
    <div class="demo">
      <header>
        <h1>Parley demo dApp</h1>
        <p class="muted">End-to-end encrypted XMTP messaging through the Parley extension's <code>window.xmtp</code>.</p>
      </header>
      {store.client.value ? <Connected store={store} /> : <Connect store={store} />}
      {store.notice.value && <p role="status">{store.notice.value}</p>}
      {store.error.value && <p role="alert">{store.error.value}</p>}
    </div>
  );
}

function Connect({ store }: { store: DemoStore }) {
  const [scope, setScope] = useState<AccessScope>('site');
  if (store.provider.value === undefined) return <p class="muted">Looking for the Parley extension…</p>;
  if (store.provider.value === null) {
    return <p role="alert">No XMTP provider found. Load the Parley extension (dist/chrome) and reload this page.</p>;
  }
  return (
    <section class="card">
      <label>
        Access
        <select value={scope} onChange={(e) => setScope(e.currentTarget.value as AccessScope)}>
          <option value="site">Conversations of this site</option>
          <option value="inbox">My whole inbox</option>
        </select>
      </label>
      <button type="button" onClick={() => void store.connect(scope)}>
        Connect
      </button>
    </section>
  );
}

function Connected({ store }: { store: DemoStore }) {
  const client = store.client.value!;
  const inbox = store.identity.value ?? client;
  return (
    <>
      <section class="card identity" aria-label="Inbox">
        <dl>
          <dt>Address</dt>
          <dd data-testid="address">{inbox.address}</dd>
          <dt>Inbox ID</dt>
          <dd data-testid="inbox-id">{inbox.inboxId}</dd>
          <dt>Access</dt>
          <dd>{client.access.scope === 'inbox' ? 'whole inbox' : 'this site'}</dd>
        </dl>
        <button type="button" onClick={() => void store.disconnect()}>
          Disconnect
        </button>
      </section>
      <div class="columns">
        <aside>
          <ConversationList store={store} />
          <NewDm store={store} />
          <NewGroup store={store} />
        </aside>
        <ConversationPanel store={store} />
      </div>
    </>
  );
}

function ConversationList({ store }: { store: DemoStore }) {
  const list = store.conversations.value;
  return (
    <section class="card" aria-label="Conversations">
      <div class="row">
        <h2>Conversations</h2>
        <button type="button" onClick={() => void store.refresh()}>
          Refresh
        </button>
      </div>
      {list.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <ul class="conversations">
          {list.map((c) => {
            const count = store.unread.value[c.id] ?? 0;
            return (
              <li key={c.id}>
                <button type="button" aria-current={store.openId.value === c.id ? 'true' : undefined} onClick={() => void store.open(c)}>
                  {titleOf(c)}
                  {count > 0 && <span class="badge"> {count} new</span>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function NewDm({ store }: { store: DemoStore }) {
  const [address, setAddress] = useState('');
  return (
    <form
      class="card"
      aria-label="New DM"
      onSubmit={(e) => {
        e.preventDefault();
        void store.createDm(address.trim()).then(() => setAddress(''));
      }}
    >
      <label>
        Address
        <input type="text" spellcheck={false} placeholder="0x…" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
      </label>
      <button type="submit">Start DM</button>
    </form>
  );
}

function NewGroup({ store }: { store: DemoStore }) {
  const [name, setName] = useState('');
  const [members, setMembers] = useState('');
  return (
    <form
      class="card"
      aria-label="New group"
      onSubmit={(e) => {
        e.preventDefault();
        const addresses = members.split(/[\s,;]+/).filter(Boolean);
        void store.createGroup(addresses, name.trim()).then(() => {
          setName('');
          setMembers('');
        });
      }}
    >
      <label>
        Group name
        <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Member addresses
        <textarea rows={2} spellcheck={false} value={members} onInput={(e) => setMembers(e.currentTarget.value)} />
      </label>
      <button type="submit">Create group</button>
    </form>
  );
}

function ConversationPanel({ store }: { store: DemoStore }) {
  const conversation = store.conversations.value.find((c) => c.id === store.openId.value);
  const own = store.client.value?.inboxId;
  const [text, setText] = useState('');
  if (!conversation) return <section class="card panel muted">Pick a conversation, or start one.</section>;
  return (
    <section class="card panel" aria-label={titleOf(conversation)}>
      <h2>{titleOf(conversation)}</h2>
      <div role="log" aria-label="Messages">
        <ol class="messages">
          {store.messages.value.filter(isChat).map((m) => (
            <li key={m.id} class={m.senderInboxId === own ? 'mine' : ''}>
              <span class="sender">{m.senderInboxId === own ? 'You' : short(m.senderInboxId)}</span> {textOf(m)}
            </li>
          ))}
        </ol>
      </div>
      <form
        class="composer"
        onSubmit={(e) => {
          e.preventDefault();
          if (!text.trim()) return;
          void store.send(text.trim()).then(() => setText(''));
        }}
      >
        <label>
          Message
          <input type="text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit">Send</button>
      </form>
    </section>
  );
}
