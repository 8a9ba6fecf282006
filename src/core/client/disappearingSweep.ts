import { isParleyError } from '../errors';
import type { DisappearingSettings } from '../mls/groupContext';
import { nsFromDate } from './bytes';
import { disappearingSettingsOf, expiredWindow } from './disappearingMessages';
import type { MessagingEngine } from './engine';
import type { GroupSession } from './groupSession';
import type { GroupRecord } from './store';

/**
 * How often the client deletes expired messages while it runs. libxmtp's
 * DisappearingMessagesWorker ticks every second; reads already hide expired messages at once
 * (messages(), streams), so the sweep only frees storage and can be slower: each tick reads the
 * group list.
 */
export const DEFAULT_SWEEP_INTERVAL_MS = 10_000;

/**
 * Deletes expired disappearing messages from the store (libxmtp worker/disappearing_messages.rs):
 * after a conversation's sync (that group), after syncAll (every stored group with settings), and
 * on a timer (the same, without decoding any state). Each group follows its own mutable metadata.
 */
export class DisappearingSweep {
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticking = false;

  constructor(
    private readonly engine: MessagingEngine,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Every stored group with settings. Their settings come from the group records (GroupRecord
   * .disappearing) or the sessions in memory, so a sweep decodes no MLS state: after a worker wake
   * most groups have none, and decoding a large group's state costs ~15 ms. A record from before
   * the field has its group's state read once and the settings recorded; `loadedOnly` skips those
   * unless the group is in memory (the timer decodes nothing). A group that fails (its state does
   * not load) goes to onError and the others are still swept; a closed or locked store ends the sweep.
   */
  async sweepAll(options: { loadedOnly?: boolean } = {}): Promise<number> {
    let deleted = 0;
    for (const record of await this.engine.ctx.store.listGroups()) {
      try {
        const settings = await this.settingsFor(record, options.loadedOnly === true);
        const window = expiredWindow(settings, nsFromDate(this.engine.ctx.now()));
        if (window !== undefined) deleted += await this.engine.ctx.store.deleteExpiredMessages(record.id, window);
      } catch (e) {
        if (storeGone(e)) throw e;
        this.onError(e);
      }
    }
    return deleted;
  }

  private async settingsFor(record: GroupRecord, loadedOnly: boolean): Promise<DisappearingSettings | undefined> {
    // A session in memory is at least as new as the listed record.
    const loaded = this.engine.peek(record.id);
    if (loaded !== undefined && (loadedOnly || record.disappearing !== undefined)) return disappearingSettingsOf(loaded.state.groupContext.extensions);
    if (record.disappearing !== undefined) return record.disappearing ?? undefined;
    if (loadedOnly) return undefined;
    // Under the group's mutex, so no commit changes the state between the read and the write.
    const updated = await this.engine.updateRecord(record.id, (r, session) => ({
      ...r,
      disappearing: disappearingSettingsOf(session.state.groupContext.extensions) ?? null,
    }));
    return updated.disappearing ?? undefined;
  }

  /** Runs sweepAll({ loadedOnly }) every `intervalMs` until stop(); the timer never keeps a process alive. */
  start(intervalMs = DEFAULT_SWEEP_INTERVAL_MS): void {
    this.stop();
    const timer = setInterval(() => void this.tick(), intervalMs);
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.sweepAll({ loadedOnly: true });
    } catch (e) {
      // A store closed or locked under the timer is the owner's business (it closes the client next).
      if (!storeGone(e)) this.onError(e);
    } finally {
      this.ticking = false;
    }
  }
}

/** Deletes the expired messages of one group under its current settings; resolves with how many went. */
export async function sweepExpired(engine: MessagingEngine, groupId: string): Promise<number> {
  return sweepSession(engine, await engine.load(groupId));
}

function sweepSession(engine: MessagingEngine, session: GroupSession): Promise<number> {
  const window = expiredWindow(disappearingSettingsOf(session.state.groupContext.extensions), nsFromDate(engine.ctx.now()));
  return window === undefined ? Promise.resolve(0) : engine.ctx.store.deleteExpiredMessages(session.record.id, window);
}

function storeGone(error: unknown): boolean {
  return isParleyError(error, 'Client.StoreClosed') || isParleyError(error, 'Vault.Locked');
}
