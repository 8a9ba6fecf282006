import type { Background } from './background';
import { createBackground } from './background';
import { bufferedPort } from './bufferedPort';
import { openMessaging } from './clientMessaging';
import { chromeClickPlatform, onNotificationClicked } from './notificationClicks';
import { sessionKeyStore } from './vault/vault';

/*
 * The service worker (Chrome) or background script (Firefox). MV3 delivers the event that woke
 * the worker only to listeners added in its first turn, so every listener is added here at
 * once and waits for the async set-up inside.
 */

const APPROVAL_PAGE = 'src/popup/approval.html';

const ready: Promise<Background> = createBackground({
  extensionId: chrome.runtime.id,
  extensionOrigin: chrome.runtime.getURL('').replace(/\/$/, ''),
  session: sessionKeyStore(chrome.storage.session),
  alarms: chrome.alarms,
  approvalWindows: {
    async open(approvalId) {
      const win = await chrome.windows.create({
        url: chrome.runtime.getURL(`${APPROVAL_PAGE}?id=${approvalId}`),
        type: 'popup',
        width: 400,
        height: 620,
        focused: true,
      });
      return win?.id;
    },
    async close(windowId) {
      await chrome.windows.remove(windowId);
    },
  },
  openMessaging,
});

ready.catch((e: unknown) => console.error('Parley: the worker failed to start', e));

chrome.runtime.onConnect.addListener((port) => {
  const held = bufferedPort(port);
  void ready.then((bg) => bg.onConnect(held));
});

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  void ready
    .then((bg) => bg.onUiMessage(message, sender))
    .then(sendResponse, (e: unknown) => sendResponse({ ok: false, error: { code: 'Internal', message: String(e) } }));
  return true;
});

chrome.alarms.onAlarm.addListener((alarm) => {
  void ready.then((bg) => bg.onAlarm(alarm.name));
});

chrome.windows.onRemoved.addListener((windowId) => {
  void ready.then((bg) => bg.onWindowRemoved(windowId));
});

// Needs no vault: it opens the popup (or the inbox page), which unlocks itself.
chrome.notifications?.onClicked.addListener((notificationId) => {
  void onNotificationClicked(notificationId, chromeClickPlatform()).catch((e: unknown) => console.error('Parley: opening the inbox from a notification failed', e));
});
