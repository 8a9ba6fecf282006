import type Database from 'better-sqlite3';
import { ParleyError } from '../../../core/errors';

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes that arrive while the loop is busy (typically during the previous
 * commit's fsync) are run together in one transaction, each in its own savepoint so one
 * failing write does not undo the others. Every write's promise settles only after the
 * enclosing COMMIT returned, i.e. after SQLite (synchronous=FULL) flushed it to disk.
 */
export class GroupCommitQueue {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private closed = false;
  private idle: (() => void)[] = [];
  /** Transactions committed and writes carried by them, for tests and the bench. */
  readonly stats = { commits: 0, writes: 0 };

  /**
   * The batch's transaction and each write's savepoint, wrapped once: better-sqlite3's
   * db.transaction() builds four wrapper functions per call, which per write was a measurable
   * part of the worker's time under load.
   */
  private readonly commitBatch: (batch: readonly PendingWrite[], outcomes: { ok: boolean; value: unknown }[]) => void;

  constructor(
    private readonly db: Database.Database,
    private readonly maxBatch = 1000,
  ) {
    // Called inside the batch's transaction, better-sqlite3 makes this a SAVEPOINT: a throw
    // rolls back only this write.
    const inSavepoint = db.transaction((run: () => unknown) => run());
    this.commitBatch = db.transaction((batch: readonly PendingWrite[], outcomes: { ok: boolean; value: unknown }[]) => {
      for (const w of batch) {
        try {
          outcomes.push({ ok: true, value: inSavepoint(w.run) });
        } catch (error) {
          outcomes.push({ ok: false, value: error });
        }
      }
    }).immediate;
  }

  /**
   * Queues `run` (synchronous SQLite work) and resolves with its result once committed.
   * `afterCommit` runs right after the commit that made it durable, before the next batch.
   */
  write<T>(run: () => T, afterCommit?: (result: T) => void): Promise<T> {
    if (this.closed) {
      return Promise.reject(new ParleyError('Node.StoreClosed', 'The store is closed.'));
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.push({
        run,
        resolve: (value) => {
          afterCommit?.(value as T);
          resolve(value as T);
        },
        reject,
      });
      this.schedule();
    });
  }

  /** Refuses new writes, then waits until every queued write has committed or failed. */
  async drain(): Promise<void> {
    this.closed = true;
    if (this.pending.length === 0 && !this.scheduled) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: it lets every request already read off the sockets in
    // this loop turn join the batch.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const batch = this.pending.splice(0, this.maxBatch);
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.commitBatch(batch, outcomes);
      this.stats.commits++;
      this.stats.writes += batch.length;
    } catch (error) {
      for (const w of batch) w.reject(error);
      this.afterFlush();
      return;
    }
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (o?.ok) w.resolve(o.value);
      else w.reject(o?.value);
    });
    this.afterFlush();
  }

  private afterFlush(): void {
    this.scheduled = false;
    if (this.pending.length > 0) {
      this.schedule();
      return;
    }
    for (const done of this.idle.splice(0)) done();
  }
}
