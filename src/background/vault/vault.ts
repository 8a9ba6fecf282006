import { base64 } from '@scure/base';
import { isParleyError, ParleyError } from '../../core/errors';
import type { VaultState } from '../../core/rpc';
import type { Keyring, KeyringMeta } from './keyring';
import { createKeyring, keyringFromDataKey, unwrapDataKey } from './keyring';
import type { VaultDb } from './sealedRecords';
import { openVaultDb, SealedRecords } from './sealedRecords';
import type { UnlockThrottleMeta } from './unlockThrottle';
import { afterFailure, waitBeforeAttempt } from './unlockThrottle';

/** Where the unlocked data key lives between worker restarts: chrome.storage.session only. */
export interface SessionKeyStore {
  get(): Promise<Uint8Array | undefined>;
  set(dataKey: Uint8Array): Promise<void>;
  clear(): Promise<void>;
}

const SESSION_KEY = 'parley.vaultKey';

/**
 * storage.session is memory-only, cleared when the browser closes, and by default closed to
 * content scripts (TRUSTED_CONTEXTS): the one place DESIGN §5 allows for the unlock key.
 */
export function sessionKeyStore(area: chrome.storage.StorageArea): SessionKeyStore {
  return {
    async get() {
      const got = (await area.get(SESSION_KEY)) as Record<string, unknown>;
      const value = got[SESSION_KEY];
      return typeof value === 'string' ? base64.decode(value) : undefined;
    },
    async set(dataKey) {
      await area.set({ [SESSION_KEY]: base64.encode(dataKey) });
    },
    async clear() {
      await area.remove(SESSION_KEY);
    },
  };
}

/** Records of the vault itself (identities, grants, settings) live under this scope. */
export const VAULT_SCOPE = 'vault';

export class Vault {
  private keyring: Keyring | null = null;
  readonly records: SealedRecords;
  private readonly lockListeners = new Set<() => void>();
  /** Unlock attempts run one at a time, so parallel guesses cannot all pass the throttle check together. */
  private attempts: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: VaultDb,
    private readonly session: SessionKeyStore,
    private readonly now: () => number,
  ) {
    this.records = new SealedRecords(db, () => this.requireKeyring());
  }

  static async open(options: { session: SessionKeyStore; dbName?: string; now?: () => number }): Promise<Vault> {
    return new Vault(await openVaultDb(options.dbName), options.session, options.now ?? Date.now);
  }

  get isUnlocked(): boolean {
    return this.keyring !== null;
  }

  async state(): Promise<VaultState> {
    if (this.keyring) return 'unlocked';
    return (await this.keyringMeta()) ? 'locked' : 'uninitialized';
  }

  /** First use: sets the password and leaves the vault unlocked. */
  async create(password: string): Promise<void> {
    if (await this.keyringMeta()) throw new ParleyError('Vault.AlreadyInitialized', 'The vault already exists.');
    const { meta, dataKey } = await createKeyring(password);
    try {
      // `add`, not `put`: of two racing creates, the second fails instead of replacing the key.
      await this.db.add('meta', meta);
      await this.useDataKey(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Vault.WrongPassword for a wrong password; Vault.Throttled, with `retryAfterMs`, while a run
   * of wrong ones makes attempts wait (unlockThrottle.ts): then not even a right one is checked.
   */
  unlock(password: string): Promise<void> {
    const attempt = this.attempts.then(() => this.attemptUnlock(password));
    this.attempts = attempt.catch(() => undefined);
    return attempt;
  }

  private async attemptUnlock(password: string): Promise<void> {
    const meta = await this.keyringMeta();
    if (!meta) throw new ParleyError('Vault.NotInitialized', 'Set a password first.');
    const throttle = await this.throttleMeta();
    const wait = waitBeforeAttempt(throttle, this.now());
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new ParleyError('Vault.Throttled', `Too many wrong passwords; try again in ${seconds} s.`, { retryAfterMs: wait });
    }
    let dataKey: Uint8Array;
    try {
      dataKey = await unwrapDataKey(password, meta);
    } catch (e) {
      // Written before the answer goes out: a worker stopped right after still remembers the guess.
      if (isParleyError(e, 'Vault.WrongPassword')) await this.db.put('meta', afterFailure(throttle, this.now()));
      throw e;
    }
    try {
      if (throttle) await this.db.delete('meta', 'unlockThrottle');
      await this.useDataKey(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }

  private async keyringMeta(): Promise<KeyringMeta | undefined> {
    const meta = await this.db.get('meta', 'keyring');
    return meta?.name === 'keyring' ? meta : undefined;
  }

  private async throttleMeta(): Promise<UnlockThrottleMeta | undefined> {
    const meta = await this.db.get('meta', 'unlockThrottle');
    return meta?.name === 'unlockThrottle' ? meta : undefined;
  }

  /** After a worker restart: unlocked again when storage.session still holds the key. */
  async resume(): Promise<boolean> {
    if (this.keyring) return true;
    const dataKey = await this.session.get();
    if (!dataKey) return false;
    try {
      this.records.clearCache();
      this.keyring = await keyringFromDataKey(dataKey);
      return true;
    } finally {
      dataKey.fill(0);
    }
  }

  async lock(): Promise<void> {
    const wasUnlocked = this.keyring !== null;
    this.keyring = null;
    this.records.clearCache();
    await this.session.clear();
    if (wasUnlocked) for (const fn of this.lockListeners) fn();
  }

  onLock(fn: () => void): () => void {
    this.lockListeners.add(fn);
    return () => this.lockListeners.delete(fn);
  }

  requireKeyring(): Keyring {
    if (!this.keyring) throw new ParleyError('Vault.Locked', 'The vault is locked.');
    return this.keyring;
  }

  /** A record of the vault itself; undefined when absent. */
  async get<T>(kind: string, key = ''): Promise<T | undefined> {
    return (await this.records.get({ scope: VAULT_SCOPE, kind, key })) as T | undefined;
  }

  async put(kind: string, key: string, value: unknown): Promise<void> {
    await this.records.write([await this.records.preparePut({ scope: VAULT_SCOPE, kind, key }, value)]);
  }

  async delete(kind: string, key: string): Promise<void> {
    await this.records.write([await this.records.prepareDelete({ scope: VAULT_SCOPE, kind, key })]);
  }

  async list<T>(kind: string): Promise<T[]> {
    return (await this.records.list(VAULT_SCOPE, kind)) as T[];
  }

  close(): void {
    this.keyring = null;
    this.records.clearCache();
    this.db.close();
  }

  private async useDataKey(dataKey: Uint8Array): Promise<void> {
    // Cached tags and records belong to the key they were made under.
    this.records.clearCache();
    this.keyring = await keyringFromDataKey(dataKey);
    await this.session.set(dataKey);
  }
}
