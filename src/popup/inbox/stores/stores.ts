import type { Signal } from '@preact/signals';
import { signal } from '@preact/signals';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { PopupApi } from '../popupApi';
import type { InboxStore } from './inboxStore';
import { createInboxStore } from './inboxStore';
import type { SessionStore } from './sessionStore';
import { createSessionStore } from './sessionStore';
import type { SettingsStore } from './settingsStore';
import { createSettingsStore } from './settingsStore';
import type { SitesStore } from './sitesStore';
import { createSitesStore } from './sitesStore';

export type Tab = 'conversations' | 'sites' | 'identities' | 'settings';

export interface Stores {
  api: PopupApi;
  /** The section shown; kept here so that switching identity does not jump away from it. */
  tab: Signal<Tab>;
  session: SessionStore;
  inbox: InboxStore;
  sites: SitesStore;
  settings: SettingsStore;
}

export function createStores(api: PopupApi): Stores {
  const session = createSessionStore(api);
  return {
    api,
    tab: signal<Tab>('conversations'),
    session,
    inbox: createInboxStore(api, { onLocked: () => void session.refresh() }),
    sites: createSitesStore(api),
    settings: createSettingsStore(api),
  };
}

export const StoresContext = createContext<Stores | null>(null);

export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('The popup components need a StoresContext provider.');
  return stores;
}
