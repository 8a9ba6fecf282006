import { afterEach, describe, expect, it } from 'vitest';
import { RETAINED_AS_IS, runSubscription, type SubscriptionSpec } from '../../../src/node/service/subscription';
import { TopicFeed } from '../../../src/node/service/topicFeed';
import { openSqliteStore } from '../../../src/node/storage/sqlite/sqliteStore';
import type { GroupMessageRecord, NodeStore, PageRequest } from '../../../src/node/storage/types';

const G = new Uint8Array([0xaa]);
const hexG = 'aa';

function feedOf(store: NodeStore): TopicFeed<GroupMessageRecord> {
  return new TopicFeed<GroupMessageRecord>(store, (e) => (e.kind === 'groupMessages' ? e.records : undefined), (r) => Buffer.from(r.groupId).toString('hex'));
}

/** A subscription to G from the start, on the store's live feed and its history. */
function subscribe(store: NodeStore, spec: Partial<SubscriptionSpec<GroupMessageRecord>> & Pick<SubscriptionSpec<GroupMessageRecord>, 'send'>): Promise<void> {
  return runSubscription<GroupMessageRecord>({
    feed: feedOf(store),
    cursors: new Map([[hexG, 0n]]),
    topicBytes: new Map([[hexG, G]]),
    topicOf: () => hexG,
    query: (t, p) => store.queryGroupMessages(t, p),
    signal: new AbortController().signal,
    shutdown: new AbortController().signal,
    maxBacklog: 1000,
    ...spec,
  });
}

function msg(n: number) {
  return { groupId: G, data: new Uint8Array([n >> 8, n & 255]), senderHmac: new Uint8Array(), shouldPush: true, isCommit: false };
}

describe('runSubscription (catch-up → live seam)', () => {
  const stores: NodeStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function run(
    store: NodeStore,
    query: (topic: Uint8Array, page: PageRequest) => Promise<GroupMessageRecord[]>,
    until: (got: GroupMessageRecord[]) => boolean,
  ): Promise<GroupMessageRecord[]> {
    const got: GroupMessageRecord[] = [];
    const client = new AbortController();
    const done = subscribe(store, {
      topicOf: (r) => Buffer.from(r.groupId).toString('hex'),
      query,
      send: async (records) => {
        got.push(...records);
        if (until(got)) client.abort();
      },
      signal: client.signal,
      catchUpPageSize: 2,
    });
    await done;
    return got;
  }

  it('delivers messages stored while catch-up pages are being read, once each, in id order', async () => {
    const store = openSqliteStore({ dataDir: ':memory:' });
    stores.push(store);
    for (let i = 0; i < 5; i++) await store.insertGroupMessages([msg(i)]);
    let n = 5;
    // Each catch-up page read stores two more messages: one before the read (so the page may
    // include it and the live feed announces it too) and one after (live feed only).
    const racingQuery = async (topic: Uint8Array, page: PageRequest) => {
      if (n < 15) await store.insertGroupMessages([msg(n++)]);
      const rows = await store.queryGroupMessages(topic, page);
      if (n < 15) await store.insertGroupMessages([msg(n++)]);
      return rows;
    };
    const got = await run(store, racingQuery, (g) => g.length >= 15);
    const ids = got.map((r) => r.id);
    expect(ids).toHaveLength(15);
    expect(new Set(ids).size).toBe(15);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    const all = await store.queryGroupMessages(G, { direction: 'ascending', cursor: 0n, limit: 100 });
    expect(ids).toEqual(all.map((r) => r.id));
  });

  it('starts after the cursor', async () => {
    const store = openSqliteStore({ dataDir: ':memory:' });
    stores.push(store);
    const recs = await store.insertGroupMessages([msg(1), msg(2), msg(3)]);
    const got: GroupMessageRecord[] = [];
    const client = new AbortController();
    await subscribe(store, {
      cursors: new Map([[hexG, recs[1]!.id]]),
      send: async (records) => {
        got.push(...records);
        client.abort();
      },
      signal: client.signal,
    });
    expect(got.map((r) => r.id)).toEqual([recs[2]!.id]);
  });

  it('cuts a subscriber that falls too far behind with ABORTED rather than buffering without bound', async () => {
    const store = openSqliteStore({ dataDir: ':memory:' });
    stores.push(store);
    let release: () => void = () => {};
    const blocked = new Promise<void>((r) => (release = r));
    let sent = 0;
    const done = subscribe(store, {
      send: async (records) => {
        sent += records.length;
        await blocked; // a client that stopped reading
      },
      maxBacklog: 5,
    });
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 10; i++) await store.insertGroupMessages([msg(100 + i)]);
    release();
    await expect(done).rejects.toMatchObject({ code: 'Api.Aborted' });
    expect(sent).toBeLessThan(10);
  });

  it('keeps backlog records past the first RETAINED_AS_IS as retained copies, and delivers them in order', async () => {
    const store = openSqliteStore({ dataDir: ':memory:' });
    stores.push(store);
    let release: () => void = () => {};
    const blocked = new Promise<void>((r) => (release = r));
    const got: GroupMessageRecord[] = [];
    const retained: bigint[] = [];
    const total = RETAINED_AS_IS + 8;
    const client = new AbortController();
    const done = subscribe(store, {
      send: async (records) => {
        got.push(...records);
        if (got.length >= total) client.abort();
        await blocked; // a client that stopped reading after the first message
      },
      signal: client.signal,
      retain: (r) => {
        retained.push(r.id);
        return { ...r, data: r.data.slice() };
      },
    });
    await new Promise((r) => setTimeout(r, 20));
    const stored: GroupMessageRecord[] = [];
    for (let i = 0; i < total; i++) stored.push(...(await store.insertGroupMessages([msg(200 + i)])));
    release();
    await done;
    // The first went out at once; of the rest, the backlog keeps RETAINED_AS_IS as they are.
    expect(retained).toEqual(stored.slice(1 + RETAINED_AS_IS).map((r) => r.id));
    expect(got.map((r) => r.id)).toEqual(stored.map((r) => r.id));
    expect(got.map((r) => [...r.data])).toEqual(stored.map((r) => [...r.data]));
  });
});
