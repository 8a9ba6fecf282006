import { ParleyError } from '../../core/errors';
import type { PageRequest } from '../storage/types';
import type { TopicFeed } from './topicFeed';

/** A record on a topic: a group message (topic = group id) or a welcome (installation key). */
export interface TopicRecord {
  id: bigint;
}

export interface SubscriptionSpec<R extends TopicRecord> {
  /** The live records of this kind, by topic. */
  feed: TopicFeed<R>;
  /** Topic (hex) → the id after which the client wants records (0n = all). */
  cursors: Map<string, bigint>;
  /** The raw topic bytes of a hex topic, for the catch-up query. */
  topicBytes: Map<string, Uint8Array>;
  topicOf(record: R): string;
  query(topic: Uint8Array, page: PageRequest): Promise<R[]>;
  /**
   * Sends records in order; resolves when the transport takes more. Records ready together go
   * in one call, so the transport can coalesce them into one write.
   */
  send(records: readonly R[]): Promise<void>;
  /** The client went away: end quietly. */
  signal: AbortSignal;
  /** The node is shutting down: end with UNAVAILABLE so the client reconnects elsewhere/later. */
  shutdown: AbortSignal;
  /** Most live records held for a client that reads too slowly before its stream is cut. */
  maxBacklog: number;
  /**
   * A copy of a record that shares no memory with others. Records held past the first
   * RETAINED_AS_IS of a backlog are kept as such copies: a live group message is a view into a
   * shared slab (SharedSlabs), which a client that stopped reading would otherwise pin whole.
   */
  retain?: (record: R) => R;
  catchUpPageSize?: number;
}

/** Backlog records kept as they are; a reading client rarely has more waiting. */
export const RETAINED_AS_IS = 256;

/** Topics caught up concurrently by one subscription. */
const CATCH_UP_LANES = 8;

/**
 * A topic subscription that switches from catch-up to live with no gap and no duplicate
 * (xmtp-node-go SubscribeGroupMessages does the same): register for live records first, then
 * page the stored history from each cursor, then deliver what arrived live meanwhile. Every
 * record goes through one high-water mark per topic, so a record both queried and announced
 * is sent once, and ids on a topic reach the client in increasing order.
 */
export async function runSubscription<R extends TopicRecord>(spec: SubscriptionSpec<R>): Promise<void> {
  const highWater = new Map(spec.cursors);
  // Live records not yet sent; swapped out whole when drained (no O(n) shift per record).
  let backlog: R[] = [];
  let wake: (() => void) | undefined;
  let overflow = false;

  const off = spec.feed.watch(highWater.keys(), (records) => {
    for (const r of records) {
      if (backlog.length >= spec.maxBacklog) {
        overflow = true;
        break;
      }
      backlog.push(backlog.length >= RETAINED_AS_IS && spec.retain ? spec.retain(r) : r);
    }
    wake?.();
  });
  const onAbort = (): void => wake?.();
  spec.signal.addEventListener('abort', onAbort);
  spec.shutdown.addEventListener('abort', onAbort);

  /** Sends the records above their topic's high-water mark, raising the marks. */
  const deliver = async (records: readonly R[]): Promise<void> => {
    const fresh: R[] = [];
    for (const r of records) {
      const topic = spec.topicOf(r);
      const mark = highWater.get(topic);
      if (mark === undefined || r.id <= mark) continue;
      highWater.set(topic, r.id);
      fresh.push(r);
    }
    if (fresh.length > 0) await spec.send(fresh);
  };
  const ended = (): boolean => spec.signal.aborted || spec.shutdown.aborted;

  try {
    const pageSize = spec.catchUpPageSize ?? 100;
    const catchUp = async (topic: string, bytes: Uint8Array): Promise<void> => {
      for (;;) {
        if (ended()) return;
        const cursor = highWater.get(topic) ?? 0n;
        const page = await spec.query(bytes, { direction: 'ascending', cursor, limit: pageSize });
        await deliver(page);
        if (page.length < pageSize) return;
      }
    };
    // Topics catch up a few at a time (a client streaming all its conversations names hundreds
    // of groups, most with nothing new); within a topic, pages stay in id order.
    const topics = [...spec.topicBytes];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < topics.length) {
        const [topic, bytes] = topics[next++]!;
        await catchUp(topic, bytes);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CATCH_UP_LANES, topics.length) }, lane));
    while (!ended()) {
      if (overflow) {
        throw new ParleyError('Api.Aborted', 'The subscriber did not read messages fast enough; resubscribe from your cursor.');
      }
      if (backlog.length > 0) {
        const batch = backlog;
        backlog = [];
        await deliver(batch);
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    if (!spec.signal.aborted && spec.shutdown.aborted) {
      throw new ParleyError('Api.Unavailable', 'The node is shutting down.');
    }
  } finally {
    off();
    spec.signal.removeEventListener('abort', onAbort);
    spec.shutdown.removeEventListener('abort', onAbort);
  }
}
