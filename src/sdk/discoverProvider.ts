import { ANNOUNCE_PROVIDER_EVENT, PARLEY_RDNS, REQUEST_PROVIDER_EVENT } from '../core/rpc/discovery';
import { ProviderNotFoundError } from './errors';
import type { ProviderDetail, XmtpProvider } from './provider';
import { isXmtpProvider } from './provider';

/** What discovery needs of `window`; tests pass a plain EventTarget. */
export interface DiscoveryWindow {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
  dispatchEvent(event: Event): boolean;
  xmtp?: unknown;
}

export interface DiscoverOptions {
  window?: DiscoveryWindow;
  /** Which provider to take when several announce; Parley's by default. */
  rdns?: string;
  /** How long to wait for an announcement. */
  timeoutMs?: number;
}

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 1000;

/**
 * Finds the provider the EIP-6963 way (DESIGN §4): ask with `xmtp:requestProvider`, take the
 * `xmtp:announceProvider` answer whose rdns matches. Falls back to `window.xmtp` when nothing
 * announces (another provider that only sets the global).
 */
export function discoverProvider(options: DiscoverOptions = {}): Promise<ProviderDetail | { info?: undefined; provider: XmtpProvider }> {
  const win = options.window ?? (globalThis as unknown as DiscoveryWindow);
  const rdns = options.rdns ?? PARLEY_RDNS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let other: ProviderDetail | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      win.removeEventListener(ANNOUNCE_PROVIDER_EVENT, onAnnounce);
    };
    const onAnnounce = (event: Event): void => {
      const detail = readDetail(event);
      if (!detail) return;
      if (detail.info.rdns === rdns) {
        finish();
        resolve(detail);
      } else {
        other ??= detail;
      }
    };
    const timer = setTimeout(() => {
      finish();
      if (other && options.rdns === undefined) resolve(other);
      else if (isXmtpProvider(win.xmtp)) resolve({ provider: win.xmtp });
      else reject(new ProviderNotFoundError(timeoutMs));
    }, timeoutMs);
    win.addEventListener(ANNOUNCE_PROVIDER_EVENT, onAnnounce);
    win.dispatchEvent(new Event(REQUEST_PROVIDER_EVENT));
  });
}

/** An announcement is any script's event: take only a well-formed detail. */
function readDetail(event: Event): ProviderDetail | undefined {
  const detail: unknown = (event as CustomEvent<unknown>).detail;
  if (typeof detail !== 'object' || detail === null) return undefined;
  const { info, provider } = detail as { info?: unknown; provider?: unknown };
  if (typeof info !== 'object' || info === null || !isXmtpProvider(provider)) return undefined;
  const i = info as Record<string, unknown>;
  if (typeof i['rdns'] !== 'string' || typeof i['name'] !== 'string' || typeof i['uuid'] !== 'string' || typeof i['icon'] !== 'string') {
    return undefined;
  }
  return { info: { uuid: i['uuid'], name: i['name'], icon: i['icon'], rdns: i['rdns'] }, provider };
}
