/**
 * Applies a subscription's items per key (a group id) several at a time when they arrive faster
 * than they are applied: while one batch is applied (MLS work, then one store commit), the next
 * items are read and queued, and the next call takes all of a key's queued items at once. A
 * burst (a catch-up after reconnecting, a busy group) then costs one store commit per batch, not
 * per message; a quiet stream still applies each item as soon as it arrives. Items of one key
 * are applied in arrival order, each exactly once; reading pauses while `maxQueued` items wait.
 */
export async function applyInBatches<T>(
  source: AsyncIterable<T>,
  keyOf: (item: T) => string | undefined,
  apply: (key: string, items: T[]) => Promise<void>,
  limits: { maxBatch: number; maxQueued: number },
): Promise<void> {
  let queue: { key: string; item: T }[] = [];
  let readerDone = false;
  let readerError: { error: unknown } | undefined;
  let stopped = false;
  let wakeApplier: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  const iterator = source[Symbol.asyncIterator]();

  // Never rejects: a failure of the source is handed to the applier, which rethrows it after the queued items.
  void (async () => {
    try {
      while (!stopped) {
        if (queue.length >= limits.maxQueued) {
          await new Promise<void>((resolve) => (wakeReader = resolve));
          continue;
        }
        const next = await iterator.next();
        if (next.done === true || stopped) break;
        const key = keyOf(next.value);
        if (key === undefined) continue;
        queue.push({ key, item: next.value });
        wakeApplier?.();
      }
    } catch (error) {
      readerError = { error };
    } finally {
      readerDone = true;
      wakeApplier?.();
    }
  })();

  try {
    for (;;) {
      const first = queue[0];
      if (first === undefined) {
        if (readerDone) break;
        await new Promise<void>((resolve) => (wakeApplier = resolve));
        wakeApplier = undefined;
        continue;
      }
      // The first waiting key's items, in order; other keys keep their place in the queue.
      const batch: T[] = [];
      const rest: { key: string; item: T }[] = [];
      for (const entry of queue) {
        if (entry.key === first.key && batch.length < limits.maxBatch) batch.push(entry.item);
        else rest.push(entry);
      }
      queue = rest;
      wakeReader?.();
      wakeReader = undefined;
      await apply(first.key, batch);
    }
    if (readerError !== undefined) throw readerError.error;
  } finally {
    // Not awaited: the caller's abort signal ends a read in flight; waiting here could deadlock.
    stopped = true;
    wakeReader?.();
    if (!readerDone) {
      try {
        void iterator.return?.()?.catch(() => undefined);
      } catch {
        // The source is being torn down by the caller's signal anyway.
      }
    }
  }
}
