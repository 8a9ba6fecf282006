import '../theme';
import { render } from 'preact';
import { App } from './App';
import { INBOX_EVENTS_PORT } from '../../core/rpc/ui';
import { createPopupApi } from './popupApi';
import { createStores } from './stores/stores';

const api = createPopupApi(
  (message) => chrome.runtime.sendMessage(message),
  () => chrome.runtime.connect({ name: INBOX_EVENTS_PORT }),
);
const stores = createStores(api);
render(<App stores={stores} />, document.getElementById('app')!);
// Opened from a notification (src/background/notificationClicks.ts): show that conversation.
const fromNotification = new URLSearchParams(location.search).get('conversation');
if (fromNotification && /^[0-9a-f]{1,128}$/.test(fromNotification)) void stores.inbox.openConversation(fromNotification).catch(() => undefined);
