import { NOTIFICATION_PREFIX } from './uiInboxActivity';

/** The popup inbox's page (manifest action.default_popup); `?conversation=<id>` opens that conversation. */
const INBOX_PAGE = 'src/popup/index.html';
const CONVERSATION_ID = /^[0-9a-f]{1,128}$/;

/** What a notification click needs of the browser; the worker passes chrome.*, tests a fake. */
export interface ClickPlatform {
  clear(notificationId: string): Promise<void>;
  /** The toolbar popup; rejects where the browser allows it only on a user gesture (Firefox before 149). */
  openPopup?: () => Promise<void>;
  openTab(url: string): Promise<void>;
  pageUrl(path: string): string;
}

/**
 * A click on one of Parley's notifications: the toolbar popup where the browser lets the worker
 * open it (Chrome 127+, Firefox 149+), otherwise the inbox page in a tab, open at that conversation.
 */
export async function onNotificationClicked(notificationId: string, platform: ClickPlatform): Promise<void> {
  if (!notificationId.startsWith(NOTIFICATION_PREFIX)) return;
  const conversationId = notificationId.slice(NOTIFICATION_PREFIX.length);
  await platform.clear(notificationId).catch(() => undefined);
  if (platform.openPopup) {
    try {
      await platform.openPopup();
      return;
    } catch {
      // Not allowed here: the tab below.
    }
  }
  const query = CONVERSATION_ID.test(conversationId) ? `?conversation=${conversationId}` : '';
  await platform.openTab(platform.pageUrl(`${INBOX_PAGE}${query}`));
}

export function chromeClickPlatform(api: typeof chrome = chrome): ClickPlatform {
  const platform: ClickPlatform = {
    clear: async (id) => {
      await api.notifications.clear(id);
    },
    openTab: async (url) => {
      await api.tabs.create({ url });
    },
    pageUrl: (path) => api.runtime.getURL(path),
  };
  const action = api.action as (typeof chrome.action & { openPopup?: () => Promise<void> }) | undefined;
  if (action?.openPopup) platform.openPopup = () => action.openPopup!();
  return platform;
}
