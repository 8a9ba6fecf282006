import type { InboxUiEvent } from '../../../core/rpc/ui';
import type { ConnectEvents } from '../inboxEvents';
import { followInboxEvents } from '../inboxEvents';
import type { Stores } from './stores';

/** A focus this soon after the last full fetch fetches nothing: opening the popup focuses it too. */
export const FOCUS_RESYNC_MIN_MS = 10_000;

function inboxShown(stores: Stores): boolean {
  return stores.session.status.value?.state === 'unlocked' && stores.session.active.value !== undefined;
}

/** One push from the worker, to the store it concerns; that store re-fetches only its part. */
export function applyInboxEvent(stores: Stores, event: InboxUiEvent): void {
  if (event.event === 'session') {
    void stores.session.refresh();
    return;
  }
  // Locked or onboarding: nothing of the inbox is on screen, and the next unlock fetches it whole.
  if (!inboxShown(stores)) return;
  switch (event.event) {
    case 'conversations':
      void stores.inbox.conversationsChanged();
      break;
    case 'messages':
      void stores.inbox.messagesArrived(event.conversationId);
      break;
    case 'unread':
      void stores.inbox.countsChanged(event.activity);
      break;
    case 'grants':
      void stores.sites.refresh();
      break;
    case 'syncProgress':
      stores.inbox.syncProgress.value = { synced: event.synced, total: event.total };
      break;
  }
}

/** Everything again, for when pushes may have been missed. */
export async function resyncAll(stores: Stores): Promise<void> {
  await stores.session.refresh();
  if (!inboxShown(stores)) return;
  await Promise.all([stores.inbox.resync(), stores.sites.refresh()]);
}

/**
 * Follows the worker's pushes while the popup is open, with the safety resync on a reconnect
 * (the worker was stopped) and on focus (not more often than FOCUS_RESYNC_MIN_MS). Returns the
 * function that stops it.
 */
export function startInboxSync(stores: Stores, connect: ConnectEvents, win: Pick<Window, 'addEventListener' | 'removeEventListener'> = window, now: () => number = Date.now): () => void {
  let lastResync = now();
  const resync = (): void => {
    lastResync = now();
    void resyncAll(stores);
  };
  const stop = followInboxEvents(connect, { event: (event) => applyInboxEvent(stores, event), reconnected: resync });
  const onFocus = (): void => {
    if (now() - lastResync >= FOCUS_RESYNC_MIN_MS) resync();
  };
  win.addEventListener('focus', onFocus);
  return () => {
    win.removeEventListener('focus', onFocus);
    stop();
  };
}
