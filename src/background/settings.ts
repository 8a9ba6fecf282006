import { ParleyError } from '../core/errors';
import type { Settings } from '../core/rpc';
import type { Vault } from './vault/vault';

/** libxmtp's local gRPC-web port (DESIGN §3); parley-node serves gRPC-web there by default. */
export const DEFAULT_NODE_URL = 'http://localhost:5557';
export const DEFAULT_AUTO_LOCK_MINUTES = 15;

export const DEFAULT_SETTINGS: Settings = { nodeUrl: DEFAULT_NODE_URL, autoLockMinutes: DEFAULT_AUTO_LOCK_MINUTES, grantedSitesKeepUnlocked: false };

const SETTINGS = 'settings';
/** Per identity: the ids of the conversations whose messages raise no notification. */
const MUTES = 'mutedConversations';
/** More than anyone mutes; keeps the sealed record bounded. */
export const MAX_MUTED_CONVERSATIONS = 10_000;

/** Settings are sealed like everything else; while locked only the defaults are known. */
export class SettingsStore {
  private cached: Settings | undefined;
  private readonly mutes = new Map<string, Set<string>>();

  constructor(private readonly vault: Vault) {
    vault.onLock(() => {
      this.cached = undefined;
      this.mutes.clear();
    });
  }

  /** Whether the identity muted the conversation (its messages raise no notification). */
  async isMuted(identityId: string, conversationId: string): Promise<boolean> {
    return (await this.mutedOf(identityId)).has(conversationId);
  }

  async setMuted(identityId: string, conversationId: string, muted: boolean): Promise<void> {
    const next = new Set(await this.mutedOf(identityId));
    if (muted) next.add(conversationId);
    else next.delete(conversationId);
    if (next.size > MAX_MUTED_CONVERSATIONS) throw new ParleyError('Rpc.InvalidParams', 'Too many muted conversations.', { details: `at most ${MAX_MUTED_CONVERSATIONS}` });
    await this.vault.put(MUTES, identityId, [...next]);
    this.mutes.set(identityId, next);
  }

  private async mutedOf(identityId: string): Promise<ReadonlySet<string>> {
    this.vault.requireKeyring();
    let muted = this.mutes.get(identityId);
    if (!muted) {
      muted = new Set((await this.vault.get<string[]>(MUTES, identityId)) ?? []);
      this.mutes.set(identityId, muted);
    }
    return muted;
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
