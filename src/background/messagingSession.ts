import type { ClientStore } from '../core/client/store';
import type { Identities, StoredIdentity } from './identities';
import type { Messaging, MessagingListener } from './messaging';
import type { SettingsStore } from './settings';
import type { Vault } from './vault/vault';
import { vaultClientStore } from './vault/vaultClientStore';

/** Builds the engine for one identity over its sealed store; the one place that knows the Client. */
export type OpenMessaging = (identity: StoredIdentity, store: ClientStore, nodeUrl: string) => Promise<Messaging>;

/**
 * The messaging engine of the active identity, opened on first use and closed when the vault
 * locks, the active identity changes or the node URL changes. While anyone listens (an open
 * site or popup), it streams.
 */
export class MessagingSession {
  private current: { key: string; messaging: Promise<Messaging> } | null = null;
  private streamStop: (() => void) | null = null;
  private listener: MessagingListener | null = null;

  constructor(
    private readonly open: OpenMessaging,
    private readonly vault: Vault,
    private readonly identities: Identities,
    private readonly settings: SettingsStore,
  ) {
    vault.onLock(() => void this.close());
  }

  async get(): Promise<Messaging> {
    // Every change of identity or node goes through reset() and a lock through close(): until
    // then the open engine is the one to use, without reading identity and settings again (this
    // runs for every request and streamed message).
    if (this.current) return this.current.messaging;
    const identity = await this.identities.requireActive();
    const { nodeUrl } = await this.settings.get();
    const key = `${identity.id} ${nodeUrl}`;
    // Another get() may have opened it while this one read the vault.
    const meanwhile = this.current as MessagingSession['current'];
    if (meanwhile?.key === key) return meanwhile.messaging;
    await this.close();
    const messaging = this.open(identity, vaultClientStore(this.vault, identity.id), nodeUrl);
    this.current = { key, messaging };
    messaging.catch(() => {
      if (this.current?.messaging === messaging) this.current = null;
    });
    return messaging;
  }

  /** Streams to `listener` while set; null stops the stream. */
  async setListener(listener: MessagingListener | null): Promise<void> {
    this.listener = listener;
    this.streamStop?.();
    this.streamStop = null;
    if (!listener || !this.vault.isUnlocked || !(await this.identities.active())) return;
    const messaging = await this.get();
    if (this.listener === listener && !this.streamStop) this.streamStop = messaging.stream(listener);
  }

  async syncAll(): Promise<void> {
    if (!this.vault.isUnlocked || !(await this.identities.active())) return;
    await (await this.get()).syncAll();
  }

  async close(): Promise<void> {
    this.streamStop?.();
    this.streamStop = null;
    const current = this.current;
    this.current = null;
    if (current) await current.messaging.then((m) => m.close()).catch(() => undefined);
  }

  /** After an identity or node change: reopen lazily, resume the stream if one was wanted. */
  async reset(): Promise<void> {
    await this.close();
    if (this.listener) await this.setListener(this.listener).catch(() => undefined);
  }
}
