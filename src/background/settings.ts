import type { Settings } from '../core/rpc';
import type { Vault } from './vault/vault';

/** libxmtp's local gRPC-web port (DESIGN §3); parley-node serves gRPC-web there by default. */
export const DEFAULT_NODE_URL = 'http://localhost:5557';
export const DEFAULT_AUTO_LOCK_MINUTES = 15;

export const DEFAULT_SETTINGS: Settings = { nodeUrl: DEFAULT_NODE_URL, autoLockMinutes: DEFAULT_AUTO_LOCK_MINUTES, grantedSitesKeepUnlocked: false };

const SETTINGS = 'settings';

/** Settings are sealed like everything else; while locked only the defaults are known. */
export class SettingsStore {
  private cached: Settings | undefined;

  constructor(private readonly vault: Vault) {
    vault.onLock(() => {
      this.cached = undefined;
    });
  }

  async get(): Promise<Settings> {
    if (!this.vault.isUnlocked) return { ...DEFAULT_SETTINGS };
    this.cached ??= { ...DEFAULT_SETTINGS, ...(await this.vault.get<Partial<Settings>>(SETTINGS)) };
    return { ...this.cached };
  }

  async update(change: Partial<Settings>): Promise<Settings> {
    const next = { ...(await this.get()), ...change };
    await this.vault.put(SETTINGS, '', next);
    this.cached = next;
    return { ...next };
  }
}
