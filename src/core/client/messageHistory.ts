import { isExpired } from './disappearingMessages';
import { compareMessages } from './memoryStore';
import type { ClientStore, ExpiredWindow, MessageQuery, MessageRecord } from './store';

/** One group read into a conversation's history, with the sent times its settings have expired. */
export interface HistorySource {
  groupId: string;
  expired: ExpiredWindow | undefined;
}

/**
 * A page of a conversation's messages over one or more groups (a stitched DM reads every group of
 * its pair, libxmtp group_message.rs group_id_filter), in the store's (sentAtNs, id) order, expired
 * messages left out. Each group is read as up to three time ranges: before and after its expired
 * window with the page's limit, and the window itself in full (what the sweep has not deleted yet:
 * normally nothing) filtered. The page's first `limit` are among each range's first `limit`, so
 * merging them is exact whatever the groups and bounds.
 */
export async function readHistory(store: ClientStore, sources: readonly HistorySource[], query: MessageQuery): Promise<MessageRecord[]> {
  const limit = query.limit === undefined ? undefined : Number.isNaN(query.limit) ? 0 : Math.max(0, query.limit);
  if (limit === 0) return [];
  const reads: Promise<MessageRecord[]>[] = [];
  for (const source of sources) {
    const window = source.expired;
    if (window === undefined) {
      reads.push(store.listMessages(source.groupId, query));
      continue;
    }
    const before = narrowed(query, { beforeNs: window.fromNs });
    if (before !== undefined) reads.push(store.listMessages(source.groupId, before));
    const after = narrowed(query, { afterNs: window.toNs });
    if (after !== undefined) reads.push(store.listMessages(source.groupId, after));
    const inside = narrowed(query, { afterNs: window.fromNs - 1n, beforeNs: window.toNs + 1n });
    if (inside !== undefined) {
      const { limit: _unlimited, ...whole } = inside;
      reads.push(store.listMessages(source.groupId, whole).then((page) => page.filter((m) => !isExpired(m, window))));
    }
  }
  const merged = (await Promise.all(reads)).flat().sort(compareMessages);
  if (query.direction === 'descending') merged.reverse();
  return limit === undefined ? merged : merged.slice(0, limit);
}

/** The query with its time bounds tightened (exclusive bounds); undefined when no time is left. */
function narrowed(query: MessageQuery, bounds: { afterNs?: bigint; beforeNs?: bigint }): MessageQuery | undefined {
  const out: MessageQuery = { ...query };
  if (bounds.afterNs !== undefined && (out.afterNs === undefined || bounds.afterNs > out.afterNs)) out.afterNs = bounds.afterNs;
  if (bounds.beforeNs !== undefined && (out.beforeNs === undefined || bounds.beforeNs < out.beforeNs)) out.beforeNs = bounds.beforeNs;
  if (out.afterNs !== undefined && out.beforeNs !== undefined && out.beforeNs - out.afterNs <= 1n) return undefined;
  return out;
}
