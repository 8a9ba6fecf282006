import { useEffect } from 'preact/hooks';
import { Onboarding } from '../onboarding/Onboarding';
import { ConversationList } from './ConversationList';
import { ConversationView } from './ConversationView';
import { Header } from './Header';
import { Identities } from './Identities';
import { LockScreen } from './LockScreen';
import { NewConversation } from './NewConversation';
import { Settings } from './Settings';
import { Sites } from './Sites';
import type { Stores, Tab } from './stores/stores';
import { StoresContext, useStores } from './stores/stores';
import './App.css';

/** How often the open popup asks the worker for new messages and counts. */
export const POLL_MS = 3000;

export interface AppProps {
  stores: Stores;
  /** 0 turns polling off (tests drive it by hand). */
  pollMs?: number;
}

/** The popup inbox: onboarding until there is an identity, the lock screen while locked, then the inbox. */
export function App({ stores, pollMs = POLL_MS }: AppProps) {
  return (
    <StoresContext.Provider value={stores}>
      <Root pollMs={pollMs} />
    </StoresContext.Provider>
  );
}

function Root({ pollMs }: { pollMs: number }) {
  const { session, api } = useStores();
  useEffect(() => {
    void session.refresh();
  }, []);

  const status = session.status.value;
  if (!status) {
    return session.error.value ? <p role="alert">{session.error.value}</p> : <p class="muted">Loading…</p>;
  }
  if (status.state === 'locked') return <LockScreen />;
  if (status.state === 'uninitialized' || !session.active.value) {
    // First use (or no identity yet): the platform's onboarding flow, then back here.
    return <Onboarding call={api.ui} onReady={() => void session.refresh()} />;
  }
  return <Inbox pollMs={pollMs} identityId={session.active.value.id} key={session.active.value.id} />;
}

const TABS: { id: Tab; label: string }[] = [
  { id: 'conversations', label: 'Conversations' },
  { id: 'sites', label: 'Sites' },
  { id: 'identities', label: 'Identities' },
  { id: 'settings', label: 'Settings' },
];

function Inbox({ pollMs, identityId }: { pollMs: number; identityId: string }) {
  const { inbox, tab } = useStores();
  const unreadTotal = Object.values(inbox.unread.value).reduce((a, b) => a + b, 0);

  useEffect(() => {
    inbox.showIdentity(identityId);
    void inbox.refresh();
    if (pollMs <= 0) return;
    const timer = setInterval(() => void inbox.poll(), pollMs);
    return () => clearInterval(timer);
  }, [pollMs]);

  return (
    <div class="inbox">
      <Header />
      <nav role="tablist" aria-label="Sections" class="tabs">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab.value === t.id}
            aria-label={t.id === 'conversations' && unreadTotal > 0 ? `${t.label}, ${unreadTotal} unread` : undefined}
            onClick={() => {
              tab.value = t.id;
            }}
          >
            {t.label}
            {t.id === 'conversations' && unreadTotal > 0 && (
              <span class="tab-count" aria-hidden="true">
                {unreadTotal > 99 ? '99+' : unreadTotal}
              </span>
            )}
          </button>
        ))}
      </nav>
      <div role="tabpanel" class="tab-panel">
        {tab.value === 'conversations' && (inbox.openId.value ? <ConversationView /> : <Conversations />)}
        {tab.value === 'sites' && <Sites />}
        {tab.value === 'identities' && <Identities />}
        {tab.value === 'settings' && <Settings />}
      </div>
    </div>
  );
}

function Conversations() {
  const { inbox } = useStores();
  return (
    <>
      <ConversationList />
      {inbox.error.value && <p role="alert">{inbox.error.value}</p>}
      <NewConversation />
    </>
  );
}
