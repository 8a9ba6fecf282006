import { PARLEY_NAME, PARLEY_RDNS } from '../core/rpc/discovery';
import { announceProvider, createProvider } from './provider';

/*
 * The MAIN-world content script, injected at document_start as a classic script (crxjs builds
 * `*.iife.ts` that way; DESIGN §7), so `window.xmtp` exists before the page's first script.
 */

// A small speech bubble; EIP-6963 asks for a data URI so pages fetch nothing to show it.
const ICON =
  'data:image/svg+xml;base64,' +
  btoa(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#4f46e5"/>' +
      '<path d="M8 10h16v10H14l-4 4v-4H8z" fill="#fff"/></svg>',
  );

const provider = createProvider(window);

// Another extension may own the name already; then dApps still find Parley through discovery.
if (!('xmtp' in window)) {
  Object.defineProperty(window, 'xmtp', { value: provider, configurable: true, enumerable: false, writable: false });
}

announceProvider(window, provider, { uuid: crypto.randomUUID(), name: PARLEY_NAME, icon: ICON, rdns: PARLEY_RDNS });
