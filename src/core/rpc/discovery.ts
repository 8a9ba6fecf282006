/**
 * Provider discovery in the shape of EIP-6963, with XMTP's own event names so that wallets'
 * `eip6963:*` listeners never mistake `window.xmtp` for an Ethereum provider (DESIGN §4).
 */
export const REQUEST_PROVIDER_EVENT = 'xmtp:requestProvider';
export const ANNOUNCE_PROVIDER_EVENT = 'xmtp:announceProvider';

/** EIP-6963 `EIP6963ProviderInfo`. */
export interface ProviderInfo {
  /** A fresh UUIDv4 per page load. */
  uuid: string;
  name: string;
  /** An RFC 2397 data URI. */
  icon: string;
  /** Reverse-DNS id, stable across versions: what an SDK looks for. */
  rdns: string;
}

export const PARLEY_RDNS = 'dev.parley.extension';
export const PARLEY_NAME = 'Parley';
