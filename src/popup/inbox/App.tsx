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
import { startInboxSync } from './stores/inboxSync';
import type { Stores, Tab } from './stores/stores';
import { StoresContext, useStores } from './stores/stores';
import './App.css';

export interface AppProps {
  stores: Stores;
}

/** The popup inbox: onboarding until there is an identity, the lock screen while locked, then the inbox. */
export function App({ stores }: AppProps) {
  return (
    <StoresContext.Provider value={stores}>
      <Root />
    </StoresContext.Provider>
  );
}

function Root() {
  const stores = useStores();
  const { session, api } = stores;
  useEffect(() => {
    // The port first, so that nothing changed between the first fetches and the first push goes unseen.
    const stop = api.events ? startInboxSync(stores, api.events) : undefined;
    void session.refresh();
    return stop;
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
  return <Inbox identityId={session.active.value.id} key={session.active.value.id} />;
}

const TABS: { id: Tab; label: string }[] = [
  { id: 'conversations', label: 'Conversations' },
  { id: 'sites', label: 'Sites' },
  { id: 'identities', label: 'Identities' },
  { id: 'settings', label: 'Settings' },
];

function Inbox({ identityId }: { identityId: string }) {
  const { inbox, tab } = useStores();
  const unreadTotal = Object.values(inbox.unread.value).reduce((a, b) => a + b, 0);

  // Fetched once here; after that the worker pushes what changed (stores/inboxSync.ts).
  useEffect(() => {
    inbox.showIdentity(identityId);
    void inbox.refresh();
  }, []);

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
            {/* A space, so the visible text reads "Conversations 3", inside the aria-label. */}
            {t.label}{' '}
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
      <SyncStatus />
      <ConversationList />
      {inbox.error.value && <p role="alert">{inbox.error.value}</p>}
      <NewConversation />
    </>
  );
}

/** While the worker syncs with the node for the popup: a first sync of a busy inbox takes a while. */
function SyncStatus() {
  const { inbox } = useStores();
  const progress = inbox.syncProgress.value;
  return (
    <p role="status" class={inbox.syncing.value ? 'sync-status' : 'sync-status idle'}>
      {inbox.syncing.value && (
        <>
          <span class="sync-bar" aria-hidden="true" />
          {progress && progress.total > 0 ? `Syncing with your node: ${progress.synced} of ${progress.total} conversations…` : 'Syncing with your node…'}
        </>
      )}
    </p>
  );
}
