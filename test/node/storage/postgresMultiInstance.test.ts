/**
 * Two PostgresStore instances over one database, as two parley-node processes would have:
 * one order per topic, each other's writes in their change feeds, one identity log.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isParleyError } from '../../../src/core/errors';
import { openPostgresStore, type PostgresNodeStore } from '../../../src/node/storage/postgres';
import type { GroupMessageRecord, StoreEvent, WelcomeRecord } from '../../../src/node/storage/types';
import { requirePostgresUrl } from '../../interop/testEnv';

const enc = new TextEncoder();
const b = (s: string): Uint8Array => enc.encode(s);
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const msg = (group: string, data: string) => ({ groupId: b(group), data: b(data), senderHmac: b('h'), shouldPush: true, isCommit: false });

let schema: string | undefined;
const open: PostgresNodeStore[] = [];

async function twoStores(): Promise<[PostgresNodeStore, PostgresNodeStore]> {
  schema = `parley_m_${randomBytes(6).toString('hex')}`;
  const url = requirePostgresUrl();
  const a = await openPostgresStore({ url, schema });
  const c = await openPostgresStore({ url, schema });
  open.push(a, c);
  return [a, c];
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: requirePostgresUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  if (schema) await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  schema = undefined;
});

/** Collects a store's group-message events. */
function recorder(store: PostgresNodeStore) {
  const records: GroupMessageRecord[] = [];
  const welcomes: WelcomeRecord[] = [];
  store.onChange((e: StoreEvent) => {
    if (e.kind === 'groupMessages') records.push(...e.records);
    else welcomes.push(...e.records);
  });
  return { records, welcomes };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('two PostgreSQL stores over one database', () => {
  it('give concurrent writers to one group one strictly increasing order that no reader sees out of order', async () => {
    const [a, c] = await twoStores();
    const perWriter = 300;
    // A reader paging forward by id cursor, as a syncing client does: if a smaller id ever
    // became visible after a larger one, the reader would step over it and miss it.
    let cursor = 0n;
    const seen: bigint[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const page = await a.queryGroupMessages(b('G'), { direction: 'ascending', cursor, limit: 1000 });
        for (const r of page) seen.push(r.id);
        if (page.length > 0) cursor = page[page.length - 1]!.id;
      }
    })();
    const write = (store: PostgresNodeStore, name: string) =>
      Promise.all(
        Array.from({ length: perWriter }, (_, i) =>
          store.insertGroupMessages(i % 3 === 0 ? [msg('G', `${name}${i}`), msg('other', `${name}${i}`)] : [msg('G', `${name}${i}`)]),
        ),
      );
    const [fromA, fromC] = await Promise.all([write(a, 'a'), write(c, 'c')]);
    writing = false;
    await reader;
    for (const results of [fromA, fromC]) {
      const ids = results.map((r) => r[0]!.id);
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!), 'each writer gets ids in its call order').toBe(true);
    }
    const stored = await c.queryGroupMessages(b('G'), { direction: 'ascending', cursor: 0n, limit: 1000 });
    expect(stored).toHaveLength(2 * perWriter);
    expect(new Set(stored.map((r) => r.id)).size).toBe(2 * perWriter);
    const rest = await a.queryGroupMessages(b('G'), { direction: 'ascending', cursor, limit: 1000 });
    expect([...seen, ...rest.map((r) => r.id)]).toEqual(stored.map((r) => r.id));
  });

  it("deliver each other's messages and welcomes to their listeners exactly once, in id order", async () => {
    const [a, c] = await twoStores();
    const atA = recorder(a);
    const atC = recorder(c);
    const groups = ['g1', 'g2', 'g3'];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const store = i % 2 === 0 ? a : c;
      writes.push(store.insertGroupMessages([msg(groups[i % 3]!, `m${i}`)]));
      if (i % 10 === 0) {
        writes.push(
          store.insertWelcomes([
            { kind: 'v1', installationKey: b(`inst${i % 4}`), data: b(`w${i}`), hpkePublicKey: b('k'), wrapperAlgorithm: 1, welcomeMetadata: b('') },
          ]),
        );
      }
    }
    await Promise.all(writes);
    // Re-sends (deduplicated) are not announced.
    await c.insertGroupMessages([msg('g1', 'm0')]);
    for (const at of [atA, atC]) {
      await until(() => at.records.length >= 200 && at.welcomes.length >= 20, 'every record at both stores');
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const at of [atA, atC]) {
      expect(at.records).toHaveLength(200);
      expect(at.welcomes).toHaveLength(20);
      for (const topic of groups) {
        const stored = await a.queryGroupMessages(b(topic), { direction: 'ascending', cursor: 0n, limit: 1000 });
        expect(at.records.filter((r) => hex(r.groupId) === hex(b(topic)))).toEqual(stored);
      }
      for (let k = 0; k < 4; k++) {
        const stored = await c.queryWelcomes(b(`inst${k}`), { direction: 'ascending', cursor: 0n, limit: 1000 });
        expect(at.welcomes.filter((w) => hex(w.installationKey) === hex(b(`inst${k}`)))).toEqual(stored);
      }
    }
  });

  it('do not announce what was stored before a store opened', async () => {
    const [a] = await twoStores();
    await a.insertGroupMessages([msg('old', 'before')]);
    const late = await openPostgresStore({ url: requirePostgresUrl(), schema: schema! });
    open.push(late);
    const atLate = recorder(late);
    const [fresh] = await a.insertGroupMessages([msg('old', 'after')]);
    await until(() => atLate.records.length >= 1, 'the new record');
    await new Promise((r) => setTimeout(r, 100));
    expect(atLate.records).toEqual([fresh]);
  });

  it('let only one of two racing identity appends win, and refuse the stale one with Node.StoreConflict', async () => {
    const [a, c] = await twoStores();
    const first = await a.appendIdentityUpdate({ inboxId: 'inbox', update: b('u1'), expectedLastSequenceId: 0n, added: [], removed: [] });
    let caught: unknown;
    await c
      .appendIdentityUpdate({ inboxId: 'inbox', update: b('stale'), expectedLastSequenceId: 0n, added: [{ kind: 'ethereum', address: '0x01' }], removed: [] })
      .catch((e: unknown) => {
        caught = e;
      });
    expect(isParleyError(caught, 'Node.StoreConflict')).toBe(true);
    expect(await a.inboxIdsFor([{ kind: 'ethereum', address: '0x01' }])).toEqual([undefined]);

    const racing = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? a : c).appendIdentityUpdate({
          inboxId: 'inbox', update: b(`r${i}`), expectedLastSequenceId: first.sequenceId, added: [], removed: [],
        }),
      ),
    );
    expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of racing) if (r.status === 'rejected') expect(isParleyError(r.reason, 'Node.StoreConflict')).toBe(true);
    expect(await c.identityLog('inbox')).toHaveLength(2);
  });

  it('catch up, exactly once, on what was written while the LISTEN connection was down', async () => {
    const [a, c] = await twoStores();
    const atA = recorder(a);
    const [before] = await c.insertGroupMessages([msg('r', 'before')]);
    await until(() => atA.records.length === 1, 'the first record');
    const pid = a.changeFeedStatus.listenerPid;
    expect(pid).toBeTypeOf('number');
    await admin((client) => client.query('SELECT pg_terminate_backend($1)', [pid]));
    const during = await Promise.all(Array.from({ length: 20 }, (_, i) => c.insertGroupMessages([msg('r', `during${i}`)])));
    await until(() => a.changeFeedStatus.reconnects >= 1, 'the reconnect');
    const [after] = await c.insertGroupMessages([msg('r', 'after')]);
    await until(() => atA.records.length >= 22, 'every record');
    await new Promise((r) => setTimeout(r, 200));
    expect(atA.records).toEqual([before, ...during.map((d) => d[0]), after]);
    expect(a.changeFeedStatus.listenerPid).not.toBe(pid);
  });
});
