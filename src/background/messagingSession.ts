import type { SyncProgress } from '../core/client';
import type { ClientStore } from '../core/client/store';
import type { Identities, StoredIdentity } from './identities';
import type { Messaging, MessagingListener } from './messaging';
import type { SettingsStore } from './settings';
import type { Vault } from './vault/vault';
import { vaultClientStore } from './vault/vaultClientStore';

/** Builds the engine for one identity over its sealed store; the one place that knows the Client. */
export type OpenMessaging = (identity: StoredIdentity, store: ClientStore, nodeUrl: string) => Promise<Messaging>;

/**
 * Waits before starting the stream again after the engine failed to open (node down) or the
 * stream ended by itself; the last delay repeats. A broken connection under a running stream is
 * the core Client's to resubscribe (from each group's cursor, with its own backoff).
 */
export const STREAM_RETRY_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * The messaging engine of the active identity, opened on first use and closed when the vault
 * locks, the active identity changes or the node URL changes; and its one stream, which runs
 * whenever the worker is up and unlocked with an identity — with or without a page open — and
 * feeds everything live (the badge, notifications, the popup, the dApps' events) in the order
 * the engine applied the messages.
 */
export class MessagingSession {
  private current: { key: string; messaging: Promise<Messaging> } | null = null;
  private streamStop: (() => void) | null = null;
  private listener: MessagingListener | null = null;
  private starting: Promise<void> | null = null;
  /** Bumped by close(): a start that began before a close must not stream from the closed engine. */
  private epoch = 0;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly open: OpenMessaging,
    private readonly vault: Vault,
    private readonly identities: Identities,
    private readonly settings: SettingsStore,
    private readonly retryMs: readonly number[] = STREAM_RETRY_MS,
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
    await this.closeEngine();
    const messaging = this.open(identity, vaultClientStore(this.vault, identity.id), nodeUrl);
    this.current = { key, messaging };
    messaging.catch(() => {
      if (this.current?.messaging === messaging) this.current = null;
    });
    return messaging;
  }

  /** The one listener of the one stream; the worker sets it once, then calls ensureStream(). */
  listen(listener: MessagingListener): void {
    this.listener = listener;
  }

  /** Whether the stream runs right now. */
  get streaming(): boolean {
    return this.streamStop !== null;
  }

  /**
   * Starts the stream unless it runs or cannot (locked, no identity, no listener). When the
   * engine fails to open it tries again later, backing off, for as long as the vault stays open.
   */
  ensureStream(): Promise<void> {
    if (!this.listener || this.streamStop) return Promise.resolve();
    this.starting ??= this.startStream().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async startStream(): Promise<void> {
    const listener = this.listener;
    const epoch = this.epoch;
    if (!listener || !this.vault.isUnlocked || !(await this.identities.active())) return;
    let messaging: Messaging;
    try {
      messaging = await this.get();
    } catch (e) {
      if (epoch === this.epoch) this.retryLater();
      throw e;
    }
    if (epoch !== this.epoch || this.listener !== listener || this.streamStop || !this.vault.isUnlocked) return;
    let live = true;
    // Only called once stream() has returned: stopInner is set by then.
    const stopThis = (): void => {
      live = false;
      stopInner();
    };
    const stopInner = messaging.stream({
      message: (message, conversation) => listener.message(message, conversation),
      conversation: (conversation) => listener.conversation(conversation),
      ended: () => {
        // Ended by itself (not by stop()): start again from the cursors, after a pause.
        if (!live) return;
        live = false;
        if (this.streamStop === stopThis) this.streamStop = null;
        this.retryLater();
      },
    });
    if (live) this.streamStop = stopThis;
    this.failures = 0;
  }

  private retryLater(): void {
    if (this.retryTimer !== null || !this.vault.isUnlocked) return;
    const delay = this.retryMs[Math.min(this.failures++, this.retryMs.length - 1)] ?? 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.ensureStream().catch(() => undefined);
    }, delay);
  }

  async syncAll(onProgress?: (progress: SyncProgress) => void): Promise<void> {
    if (!this.vault.isUnlocked || !(await this.identities.active())) return;
    await (await this.get()).syncAll(onProgress);
  }

  /** Stops the stream and any retry, and closes the engine (a lock, or before a reset). */
  async close(): Promise<void> {
    this.epoch++;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.failures = 0;
    await this.closeEngine();
  }

  private async closeEngine(): Promise<void> {
    this.streamStop?.();
    this.streamStop = null;
    const current = this.current;
    this.current = null;
    if (current) await current.messaging.then((m) => m.close()).catch(() => undefined);
  }

  /** After an identity or node change: reopen, and stream again. */
  async reset(): Promise<void> {
    await this.close();
    await this.ensureStream().catch(() => undefined);
  }
}
