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
render(<App stores={createStores(api)} />, document.getElementById('app')!);
