import { PAGE_PORT_NAME } from '../background/portNames';
import { startRelay } from './relay';

// The isolated-world content script: one relay per page, a Port opened on first use.
startRelay(window, { connect: () => chrome.runtime.connect({ name: PAGE_PORT_NAME }) });
