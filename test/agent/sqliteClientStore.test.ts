import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteClientStore } from '../../src/agent/sqliteClientStore';
import { createMemoryStore } from '../../src/core/client/memoryStore';
import type { ClientStore, GroupQuery, IntentRecord, MessageQuery, MessageRecord, StoreOp } from '../../src/core/client/store';
import { describeClientStoreConformance } from '../core/client/storeConformance';
import { codeOf, containsBytes, FAST_SCRYPT, groupRecord, identityRecord, messageRecord, tempDirs } from './helpers';

const dirs = tempDirs('parley-store-');
afterAll(() => dirs.cleanup());

const KEY = new Uint8Array(32).map((_, i) => i + 1);
const storePath = () => join(dirs.make(), 'client.sqlite');

describeClientStoreConformance('SQLite, clear', () => openSqliteClientStore({ path: storePath() }));
describeClientStoreConformance('SQLite, raw key', () => openSqliteClientStore({ path: storePath(), key: KEY }));
describeClientStoreConformance('SQLite, passphrase', () => openSqliteClientStore({ path: storePath(), key: { passphrase: 'hunter2', scrypt: FAST_SCRYPT } }));

const groupIds = ['aa01', 'bb02', 'cc03'];
const msgIds = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'];
const intentIds = ['i1', 'i2', 'i3'];

// Few distinct times, so that ties on sentAtNs (ordered by id) are frequent.
const message: fc.Arbitrary<MessageRecord> = fc.record({
  id: fc.constantFrom(...msgIds),
  groupId: fc.constantFrom(...groupIds),
  kind: fc.constantFrom('application' as const, 'membershipChange' as const),
  senderInboxId: fc.constant('inbox-b'),
  senderInstallationId: fc.constant('ab'),
  sentAtNs: fc.oneof(fc.bigInt({ min: 0n, max: 4n }), fc.constant((1n << 64n) - 1n)),
  content: fc.uint8Array({ maxLength: 8 }),
  contentType: fc.constant('xmtp.org/text:1.0'),
  deliveryStatus: fc.constantFrom('unpublished' as const, 'published' as const, 'failed' as const),
});

const intent: fc.Arbitrary<IntentRecord> = fc.record({
  id: fc.constantFrom(...intentIds),
  groupId: fc.constantFrom(...groupIds),
  kind: fc.constant('sendMessage' as const),
  state: fc.constantFrom('toPublish' as const, 'published' as const),
  data: fc.uint8Array({ maxLength: 4 }),
  attempts: fc.nat(3),
  createdAtNs: fc.bigInt({ min: 0n, max: 2n }),
});

const op: fc.Arbitrary<StoreOp> = fc.oneof(
  fc
    .record({
      id: fc.constantFrom(...groupIds),
      kind: fc.constantFrom('dm' as const, 'group' as const),
      dmId: fc.option(fc.constantFrom('dm:a:b', 'dm:a:c'), { nil: undefined }),
      createdAtNs: fc.bigInt({ min: 0n, max: 2n }),
      consentState: fc.constantFrom('unknown' as const, 'allowed' as const, 'denied' as const),
    })
    .map(({ id, dmId, ...rest }) => ({ op: 'putGroup' as const, record: groupRecord(id, dmId === undefined ? rest : { ...rest, dmId }) })),
  message.map((record) => ({ op: 'putMessage' as const, record })),
  fc.constantFrom(...msgIds).map((messageId) => ({ op: 'deleteMessage' as const, messageId })),
  intent.map((record) => ({ op: 'putIntent' as const, record })),
  fc.constantFrom(...intentIds).map((intentId) => ({ op: 'deleteIntent' as const, intentId })),
  fc.record({ key: fc.constantFrom('welcomes', 'x'), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }).map((c) => ({ op: 'setCursor' as const, ...c })),
);

const messageQuery: fc.Arbitrary<MessageQuery> = fc.record(
  {
    limit: fc.integer({ min: 0, max: 5 }),
    beforeNs: fc.bigInt({ min: 0n, max: 6n }),
    afterNs: fc.bigInt({ min: 0n, max: 6n }),
    direction: fc.constantFrom('ascending' as const, 'descending' as const),
    kind: fc.constantFrom('application' as const, 'membershipChange' as const),
    deliveryStatus: fc.constantFrom('unpublished' as const, 'published' as const),
  },
  { requiredKeys: [] },
);

const groupQuery: fc.Arbitrary<GroupQuery> = fc.record(
  {
    kind: fc.constantFrom('dm' as const, 'group' as const),
    dmId: fc.constantFrom('dm:a:b', 'dm:a:c'),
    consentStates: fc.subarray(['unknown' as const, 'allowed' as const, 'denied' as const]),
  },
  { requiredKeys: [] },
);

async function snapshot(store: ClientStore, messageQueries: MessageQuery[], groupQueries: GroupQuery[]) {
  return {
    groups: await Promise.all([{}, ...groupQueries].map((q) => store.listGroups(q))),
    messages: await Promise.all(msgIds.map((m) => store.getMessage(m))),
    pages: await Promise.all(groupIds.flatMap((g) => [{}, ...messageQueries].map((q) => store.listMessages(g, q)))),
    intents: [await store.listIntents(), ...(await Promise.all(groupIds.map((g) => store.listIntents(g))))],
    cursors: [await store.getCursor('welcomes'), await store.getCursor('x')],
  };
}

describe('SqliteClientStore', () => {
  for (const variant of ['clear', 'encrypted'] as const) {
    it(`answers every query as the memory store does after the same batches (${variant}, ties on time included)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 6 }),
          fc.array(messageQuery, { maxLength: 4 }),
          fc.array(groupQuery, { maxLength: 3 }),
          async (batches, messageQueries, groupQueries) => {
            const sqlite = await openSqliteClientStore({ path: storePath(), ...(variant === 'encrypted' ? { key: KEY } : {}) });
            const memory = createMemoryStore();
            for (const batch of batches) {
              await sqlite.commit(batch);
              await memory.commit(batch);
            }
            expect(await snapshot(sqlite, messageQueries, groupQueries)).toEqual(await snapshot(memory, messageQueries, groupQueries));
            await sqlite.close();
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  it('deletes expired messages as the memory store does (sealed rows, ties on the window ends)', async () => {
    const window = fc.record({ groupId: fc.constantFrom(...groupIds), fromNs: fc.bigInt({ min: 0n, max: 6n }), toNs: fc.bigInt({ min: 0n, max: 6n }) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 4 }), fc.array(window, { maxLength: 3 }), async (batches, windows) => {
        const sqlite = await openSqliteClientStore({ path: storePath(), key: KEY });
        const memory = createMemoryStore();
        for (const batch of batches) {
          await sqlite.commit(batch);
          await memory.commit(batch);
        }
        for (const w of windows) {
          expect(await sqlite.deleteExpiredMessages(w.groupId, w)).toBe(await memory.deleteExpiredMessages(w.groupId, w));
        }
        expect(await snapshot(sqlite, [], [])).toEqual(await snapshot(memory, [], []));
        await sqlite.close();
      }),
      { numRuns: 30 },
    );
  });

  it('keeps everything across close and reopen', async () => {
    const path = storePath();
    const first = await openSqliteClientStore({ path, key: KEY });
    await first.commit([
      { op: 'putGroup', record: groupRecord('aa') },
      { op: 'putMessage', record: messageRecord('m1', 'aa', 7n) },
      { op: 'setCursor', key: 'welcomes', value: 3n },
    ]);
    await first.close();
    const second = await openSqliteClientStore({ path, key: KEY });
    expect(await second.getGroup('aa')).toEqual(groupRecord('aa'));
    expect((await second.listMessages('aa')).map((m) => m.id)).toEqual(['m1']);
    expect(await second.getCursor('welcomes')).toBe(3n);
    await second.close();
  });

  it('refuses a second opener while the store is open (Agent.StoreBusy), and lets it in after close', async () => {
    const path = storePath();
    const first = await openSqliteClientStore({ path });
    expect(await codeOf(() => openSqliteClientStore({ path }))).toBe('Agent.StoreBusy');
    await first.close();
    const second = await openSqliteClientStore({ path });
    await second.close();
  });

  it('creates the store file readable by its owner only', async () => {
    const path = storePath();
    const store = await openSqliteClientStore({ path });
    await store.commit([{ op: 'setCursor', key: 'x', value: 1n }]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    if (existsSync(`${path}-wal`)) expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('checks the key: none for an encrypted store, a wrong one, one for a clear store, the wrong kind', async () => {
    const raw = storePath();
    await (await openSqliteClientStore({ path: raw, key: KEY })).close();
    expect(await codeOf(() => openSqliteClientStore({ path: raw }))).toBe('Agent.KeyRequired');
    expect(await codeOf(() => openSqliteClientStore({ path: raw, key: new Uint8Array(32) }))).toBe('Agent.WrongKey');
    expect(await codeOf(() => openSqliteClientStore({ path: raw, key: { passphrase: 'x' } }))).toBe('Agent.WrongKey');
    expect(await codeOf(() => openSqliteClientStore({ path: raw, key: new Uint8Array(31) }))).toBe('Client.BadInput');

    const pass = storePath();
    await (await openSqliteClientStore({ path: pass, key: { passphrase: 'right', scrypt: FAST_SCRYPT } })).close();
    expect(await codeOf(() => openSqliteClientStore({ path: pass, key: { passphrase: 'wrong' } }))).toBe('Agent.WrongKey');
    expect(await codeOf(() => openSqliteClientStore({ path: pass, key: KEY }))).toBe('Agent.WrongKey');
    await (await openSqliteClientStore({ path: pass, key: { passphrase: 'right' } })).close();

    const clear = storePath();
    await (await openSqliteClientStore({ path: clear })).close();
    expect(await codeOf(() => openSqliteClientStore({ path: clear, key: KEY }))).toBe('Agent.NotEncrypted');
  });

  it('derives a passphrase key with the default scrypt cost when none is given', async () => {
    const path = storePath();
    await (await openSqliteClientStore({ path, key: { passphrase: 'correct horse' } })).close();
    const db = new Database(path, { readonly: true });
    const kdf = JSON.parse((db.prepare("SELECT v FROM meta WHERE k = 'kdf'").get() as { v: Buffer }).v.toString()) as Record<string, unknown>;
    db.close();
    expect(kdf).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    expect(kdf['salt']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('leaves no message text, private key, key-package secret or conversation id in the raw file bytes when encrypted (and does in clear)', async () => {
    const text = 'meet me at the old mill at midnight';
    const privateKey = crypto.getRandomValues(new Uint8Array(32));
    // A key package's private keys: init, HPKE leaf, signature and X-Wing seed (128 bytes).
    const keyPackageSecrets = crypto.getRandomValues(new Uint8Array(128));
    const groupId = 'feedc0ffee0123456789abcdef001122';
    const messageId = '0badf00d0badf00d0badf00d0badf00d';
    const batch: StoreOp[] = [
      { op: 'putIdentity', record: identityRecord(privateKey) },
      { op: 'putGroup', record: groupRecord(groupId, { kind: 'dm', dmId: 'dm:alice-inbox:bob-inbox' }) },
      { op: 'putGroupState', record: { groupId, epoch: 1n, ratchetTree: privateKey.slice(0, 16), state: privateKey.slice(16) } },
      { op: 'putMessage', record: messageRecord(messageId, groupId, 10n, { content: new TextEncoder().encode(text) }) },
      { op: 'putKeyPackage', record: { id: 'ab'.repeat(32), keyPackage: new Uint8Array(64), privateKeys: keyPackageSecrets, createdAtNs: 1n } },
    ];
    const rawBytes = (path: string) =>
      Buffer.concat([readFileSync(path), ...(existsSync(`${path}-wal`) ? [readFileSync(`${path}-wal`)] : [])]);
    const leaks = (dump: Uint8Array) => {
      const enc = (s: string) => new TextEncoder().encode(s);
      const found: string[] = [];
      if (containsBytes(dump, privateKey.slice(0, 8)) || containsBytes(dump, privateKey.slice(16, 24))) found.push('private key');
      if (containsBytes(dump, keyPackageSecrets.slice(96, 104))) found.push('X-Wing seed');
      for (const s of [text, 'old mill', groupId, messageId, 'alice-inbox', identityRecord(privateKey).inboxId, identityRecord(privateKey).accountAddress]) {
        if (containsBytes(dump, enc(s))) found.push(s);
      }
      return found;
    };

    for (const variant of ['clear', 'encrypted'] as const) {
      const path = storePath();
      const store = await openSqliteClientStore({ path, ...(variant === 'encrypted' ? { key: { passphrase: 'pw', scrypt: FAST_SCRYPT } } : {}) });
      await store.commit(batch);
      const whileOpen = rawBytes(path);
      await store.close();
      const afterClose = rawBytes(path);
      expect(afterClose.length).toBeGreaterThan(4096);
      if (variant === 'encrypted') {
        expect(leaks(whileOpen)).toEqual([]);
        expect(leaks(afterClose)).toEqual([]);
      } else {
        // The same search finds everything in a clear store: the grep is able to fail.
        expect(leaks(afterClose)).toEqual(['private key', 'X-Wing seed', text, 'old mill', groupId, messageId, 'alice-inbox', identityRecord(privateKey).inboxId, identityRecord(privateKey).accountAddress]);
      }
    }
  });

  it('detects a sealed record moved onto another row (associated data binds kind and key)', async () => {
    const path = storePath();
    const store = await openSqliteClientStore({ path, key: KEY });
    await store.commit([
      { op: 'putMessage', record: messageRecord('m1', 'aa', 1n, { content: new Uint8Array([1]) }) },
      { op: 'putMessage', record: messageRecord('m2', 'aa', 2n, { content: new Uint8Array([2]) }) },
      { op: 'putIntent', record: { id: 'i1', groupId: 'aa', kind: 'sendMessage', state: 'toPublish', data: new Uint8Array(), attempts: 0, createdAtNs: 1n } },
    ]);
    await store.close();
    const db = new Database(path);
    const [a, b] = db.prepare('SELECT rowid, body FROM messages ORDER BY sent_at').all() as { rowid: number; body: Buffer }[];
    db.prepare('UPDATE messages SET body = ? WHERE rowid = ?').run(a!.body, b!.rowid);
    db.prepare('UPDATE intents SET body = ?').run(a!.body);
    db.close();
    const reopened = await openSqliteClientStore({ path, key: KEY });
    expect(await codeOf(() => reopened.getMessage('m2'))).toBe('Agent.StoreCorrupt');
    expect(await codeOf(() => reopened.listMessages('aa'))).toBe('Agent.StoreCorrupt');
    expect(await codeOf(() => reopened.getIntent('i1'))).toBe('Agent.StoreCorrupt');
    expect((await reopened.getMessage('m1'))?.content).toEqual(new Uint8Array([1]));
    await reopened.close();
  });

  it('applies nothing of a batch when one record cannot be stored', async () => {
    const store = await openSqliteClientStore({ path: storePath(), key: KEY });
    const bad = { op: 'putMessage', record: { ...messageRecord('m2', 'aa', 1n), content: () => 0 } } as unknown as StoreOp;
    expect(await codeOf(() => store.commit([{ op: 'setCursor', key: 'welcomes', value: 1n }, bad]))).toBe('Client.BadInput');
    const badTime = { op: 'putMessage', record: messageRecord('m3', 'aa', -1n) } as StoreOp;
    expect(await codeOf(() => store.commit([{ op: 'setCursor', key: 'welcomes', value: 1n }, badTime]))).toBe('Client.BadInput');
    expect(await store.getCursor('welcomes')).toBeUndefined();
    expect(await store.listMessages('aa')).toEqual([]);
    await store.close();
  });

  it('gives Buffers back as plain Uint8Arrays, as the memory store does', async () => {
    const store = await openSqliteClientStore({ path: storePath() });
    await store.commit([{ op: 'putGroupState', record: { groupId: 'aa', epoch: 1n, ratchetTree: Buffer.from([1, 2]), state: Buffer.from([3]) } }]);
    const state = await store.getGroupState('aa');
    expect(state?.ratchetTree.constructor).toBe(Uint8Array);
    expect(state?.state).toEqual(new Uint8Array([3]));
    await store.close();
  });

  it('refuses a store written by a newer schema, and a file that is not a store', async () => {
    const newer = storePath();
    await (await openSqliteClientStore({ path: newer })).close();
    const db = new Database(newer);
    db.pragma('user_version = 99');
    db.close();
    expect(await codeOf(() => openSqliteClientStore({ path: newer }))).toBe('Agent.StoreVersion');

    const junk = storePath();
    writeFileSync(junk, Buffer.alloc(8192, 0x5a));
    expect(await codeOf(() => openSqliteClientStore({ path: junk }))).toBe('Agent.StoreCorrupt');
    expect(await codeOf(() => openSqliteClientStore({ path: join(dirs.make(), 'missing', 'x.sqlite') }))).toBe('Client.BadInput');
  });
});
