import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isExpired } from '../../../src/core/client/disappearingMessages';
import { compareMessages, createMemoryStore } from '../../../src/core/client/memoryStore';
import { readHistory, type HistorySource } from '../../../src/core/client/messageHistory';
import type { ExpiredWindow, MessageQuery, MessageRecord } from '../../../src/core/client/store';

const GROUPS = ['g1', 'g2', 'g3'];

const message: fc.Arbitrary<MessageRecord> = fc.record({
  id: fc.integer({ min: 0, max: 40 }).map((n) => `m${n}`),
  groupId: fc.constantFrom(...GROUPS),
  kind: fc.constantFrom('application' as const, 'membershipChange' as const),
  senderInboxId: fc.constant('a'),
  senderInstallationId: fc.constant('b'),
  // A narrow range: many messages share a time, so ties across groups are exercised.
  sentAtNs: fc.bigInt({ min: 1n, max: 12n }),
  content: fc.constant(new Uint8Array([1])),
  contentType: fc.constant('xmtp.org/text:1.0'),
  deliveryStatus: fc.constantFrom('published' as const, 'unpublished' as const),
});

const window: fc.Arbitrary<ExpiredWindow | undefined> = fc.option(
  fc.tuple(fc.bigInt({ min: 1n, max: 12n }), fc.bigInt({ min: 0n, max: 12n })).map(([fromNs, span]) => ({ fromNs, toNs: fromNs + span })),
  { nil: undefined },
);

const query: fc.Arbitrary<MessageQuery> = fc.record(
  {
    limit: fc.integer({ min: 0, max: 6 }),
    beforeNs: fc.bigInt({ min: 0n, max: 14n }),
    afterNs: fc.bigInt({ min: 0n, max: 14n }),
    direction: fc.constantFrom('ascending' as const, 'descending' as const),
    kind: fc.constantFrom('application' as const, 'membershipChange' as const),
  },
  { requiredKeys: [] },
);

/** What a page must hold: every message of the sources in the bounds and not expired, ordered, cut to the limit. */
function expected(messages: readonly MessageRecord[], sources: readonly HistorySource[], q: MessageQuery): string[] {
  const latest = new Map(messages.map((m) => [m.id, m]));
  const out = [...latest.values()].filter((m) => {
    const source = sources.find((s) => s.groupId === m.groupId);
    if (source === undefined || isExpired(m, source.expired)) return false;
    if (q.beforeNs !== undefined && !(m.sentAtNs < q.beforeNs)) return false;
    if (q.afterNs !== undefined && !(m.sentAtNs > q.afterNs)) return false;
    return q.kind === undefined || m.kind === q.kind;
  });
  out.sort(compareMessages);
  if (q.direction === 'descending') out.reverse();
  return out.slice(0, q.limit ?? Infinity).map((m) => m.id);
}

describe('a conversation history read over several groups', () => {
  it('equals the whole history filtered, ordered and cut, for any groups, expiry windows and page', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { maxLength: 30 }),
        fc.subarray(GROUPS, { minLength: 1 }),
        fc.tuple(window, window, window),
        query,
        async (messages, groupIds, windows, q) => {
          const store = createMemoryStore();
          await store.commit(messages.map((record) => ({ op: 'putMessage' as const, record })));
          const sources = groupIds.map((groupId, i) => ({ groupId, expired: windows[i] }));
          const page = await readHistory(store, sources, q);
          expect(page.map((m) => m.id)).toEqual(expected(messages, sources, q));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves out a published application message in its group\'s window but keeps group updates and unconfirmed sends there', async () => {
    const store = createMemoryStore();
    const base = { senderInboxId: 'a', senderInstallationId: 'b', content: new Uint8Array(), contentType: '' };
    await store.commit([
      { op: 'putMessage', record: { ...base, id: 'gone', groupId: 'g1', kind: 'application', sentAtNs: 5n, deliveryStatus: 'published' } },
      { op: 'putMessage', record: { ...base, id: 'update', groupId: 'g1', kind: 'membershipChange', sentAtNs: 5n, deliveryStatus: 'published' } },
      { op: 'putMessage', record: { ...base, id: 'sending', groupId: 'g1', kind: 'application', sentAtNs: 6n, deliveryStatus: 'unpublished' } },
      { op: 'putMessage', record: { ...base, id: 'other', groupId: 'g2', kind: 'application', sentAtNs: 5n, deliveryStatus: 'published' } },
    ]);
    const sources = [{ groupId: 'g1', expired: { fromNs: 5n, toNs: 6n } }, { groupId: 'g2', expired: undefined }];
    expect((await readHistory(store, sources, {})).map((m) => m.id)).toEqual(['other', 'update', 'sending']);
    // The expired message takes no place in a page: the two newest readable ones fill it.
    expect((await readHistory(store, sources, { limit: 2, direction: 'descending' })).map((m) => m.id)).toEqual(['sending', 'update']);
    expect((await readHistory(store, sources, { limit: 1, afterNs: 4n })).map((m) => m.id)).toEqual(['other']);
    expect((await readHistory(store, [sources[0]!], { limit: 1 })).map((m) => m.id)).toEqual(['update']);
  });
});
