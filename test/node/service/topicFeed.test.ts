import { describe, expect, it } from 'vitest';
import { TopicFeed } from '../../../src/node/service/topicFeed';
import { StoreListeners } from '../../../src/node/storage/storeListeners';
import type { GroupMessageRecord, StoreEvent, WelcomeRecord } from '../../../src/node/storage/types';

/** A store that only announces what the test emits. */
function fakeStore() {
  const listeners = new StoreListeners();
  return { onChange: (l: (e: StoreEvent) => void) => listeners.add(l), emit: (e: StoreEvent) => listeners.emit(e), listeners };
}

let nextId = 1n;
function record(topic: string): GroupMessageRecord {
  return { id: nextId++, createdNs: 1n, groupId: new TextEncoder().encode(topic), data: new Uint8Array(), senderHmac: new Uint8Array(), shouldPush: true, isCommit: false };
}

const groupFeed = (store: ReturnType<typeof fakeStore>) =>
  new TopicFeed<GroupMessageRecord>(store, (e) => (e.kind === 'groupMessages' ? e.records : undefined), (r) => new TextDecoder().decode(r.groupId));

describe('TopicFeed (live records by topic)', () => {
  it('delivers each record to exactly the subscriptions watching its topic, in store order, one call per event', () => {
    const store = fakeStore();
    const feed = groupFeed(store);
    const calls: Record<string, string[][]> = { a: [], b: [], ac: [] };
    const topicsOf = (records: GroupMessageRecord[]) => records.map((r) => `${new TextDecoder().decode(r.groupId)}${r.id}`);
    feed.watch(['A'], (rs) => calls.a!.push(topicsOf(rs)));
    feed.watch(['B'], (rs) => calls.b!.push(topicsOf(rs)));
    feed.watch(['A', 'C', 'A'], (rs) => calls.ac!.push(topicsOf(rs)));
    nextId = 1n;
    store.emit({ kind: 'groupMessages', records: [record('A'), record('C'), record('D'), record('A'), record('B')] });
    store.emit({ kind: 'groupMessages', records: [record('D')] });
    store.emit({ kind: 'groupMessages', records: [record('C')] });
    expect(calls.a).toEqual([['A1', 'A4']]);
    expect(calls.b).toEqual([['B5']]);
    expect(calls.ac).toEqual([['A1', 'C2', 'A4'], ['C7']]);
  });

  it('ignores events of the other kind', () => {
    const store = fakeStore();
    const feed = groupFeed(store);
    const got: GroupMessageRecord[][] = [];
    feed.watch(['A'], (rs) => got.push(rs));
    const welcome: WelcomeRecord = { id: 1n, createdNs: 1n, kind: 'v1', installationKey: new TextEncoder().encode('A'), data: new Uint8Array(), hpkePublicKey: new Uint8Array(), wrapperAlgorithm: 1, welcomeMetadata: new Uint8Array() };
    store.emit({ kind: 'welcomes', records: [welcome] });
    expect(got).toEqual([]);
  });

  it('stops delivering to a subscription that stopped watching, and leaves the store once nobody watches', () => {
    const store = fakeStore();
    const feed = groupFeed(store);
    expect(store.listeners.size).toBe(0);
    const first: number[] = [];
    const second: number[] = [];
    const stopFirst = feed.watch(['A'], (rs) => first.push(rs.length));
    const stopSecond = feed.watch(['A', 'B'], (rs) => second.push(rs.length));
    expect(store.listeners.size).toBe(1);
    store.emit({ kind: 'groupMessages', records: [record('A')] });
    stopFirst();
    store.emit({ kind: 'groupMessages', records: [record('A'), record('B')] });
    expect(first).toEqual([1]);
    expect(second).toEqual([1, 2]);
    expect(feed.topicCount).toBe(2);
    stopSecond();
    expect(feed.topicCount).toBe(0);
    expect(store.listeners.size).toBe(0);
  });

  it('keeps delivering to the others when one subscription throws', () => {
    const store = fakeStore();
    const feed = groupFeed(store);
    const got: number[] = [];
    feed.watch(['A'], () => {
      throw new Error('broken subscriber');
    });
    feed.watch(['A'], (rs) => got.push(rs.length));
    store.emit({ kind: 'groupMessages', records: [record('A')] });
    expect(got).toEqual([1]);
  });
});
