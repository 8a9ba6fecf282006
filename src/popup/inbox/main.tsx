import { render } from 'preact';
import { App } from './App';
import { createPopupApi } from './popupApi';
import { createStores } from './stores/stores';

const api = createPopupApi((message) => chrome.runtime.sendMessage(message));
render(<App stores={createStores(api)} />, document.getElementById('app')!);
