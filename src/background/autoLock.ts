import type { SettingsStore } from './settings';
import type { Vault } from './vault/vault';

export const AUTO_LOCK_ALARM = 'parley-auto-lock';
/** Re-arming the alarm on every request would be a storage write each time; once in a while is enough. */
const REARM_AFTER_MS = 10_000;

export interface AlarmsApi {
  create(name: string, info: { when: number }): Promise<void> | void;
  clear(name: string): Promise<boolean> | void;
}

/**
 * Locks the vault after a period without use (DESIGN §5). A chrome.alarms alarm, not a timer:
 * it fires even when the worker was stopped in between, and wakes it to lock.
 */
export class AutoLock {
  private armedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly alarms: AlarmsApi,
    private readonly vault: Vault,
    private readonly settings: SettingsStore,
    private readonly now: () => number = Date.now,
  ) {
    vault.onLock(() => {
      this.armedAt = Number.NEGATIVE_INFINITY;
      void this.alarms.clear(AUTO_LOCK_ALARM);
    });
  }

  /** Activity: push the lock time out. `force` after the setting changed. */
  async touch(force = false): Promise<void> {
    if (!this.vault.isUnlocked) return;
    const now = this.now();
    if (!force && now - this.armedAt < REARM_AFTER_MS) return;
    this.armedAt = now;
    const { autoLockMinutes } = await this.settings.get();
    await this.alarms.create(AUTO_LOCK_ALARM, { when: now + autoLockMinutes * 60_000 });
  }

  async onAlarm(name: string): Promise<boolean> {
    if (name !== AUTO_LOCK_ALARM) return false;
    await this.vault.lock();
    return true;
  }
}
