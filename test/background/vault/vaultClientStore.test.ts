import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vaultClientStore } from '../../../src/background/vault/vaultClientStore';
import { createMemoryStore } from '../../../src/core/client/memoryStore';
import type { ClientStore, GroupRecord, MessageQuery, MessageRecord, StoreOp } from '../../../src/core/client/store';
import { bytesOf, contains, dumpDatabase, freshDbName, PASSWORD, unlockedVault } from './helpers';

const groupIds = ['aa01', 'bb02', 'cc03'];
const msgIds = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];

const groupRecord: fc.Arbitrary<GroupRecord> = fc.record({
  id: fc.constantFrom(...groupIds),
  kind: fc.constantFrom('dm' as const, 'group' as const),
  createdAtNs: fc.bigInt({ min: 0n, max: 5n }),
  addedByInboxId: fc.constant('inbox-a'),
  consentState: fc.constantFrom('unknown' as const, 'allowed' as const, 'denied' as const),
  consentUpdatedAtNs: fc.constant(0n),
  membershipState: fc.constant('allowed' as const),
  active: fc.boolean(),
  cursor: fc.bigInt({ min: 0n, max: 100n }),
  lastMessageAtNs: fc.constant(0n),
});

const messageRecord: fc.Arbitrary<MessageRecord> = fc.record({
  id: fc.constantFrom(...msgIds),
  groupId: fc.constantFrom(...groupIds),
  kind: fc.constantFrom('application' as const, 'membershipChange' as const),
  senderInboxId: fc.constant('inbox-b'),
  senderInstallationId: fc.constant('ab'),
  sentAtNs: fc.bigInt({ min: 0n, max: 6n }),
  content: fc.uint8Array({ maxLength: 8 }),
  contentType: fc.constant('xmtp.org/text:1.0'),
  deliveryStatus: fc.constantFrom('unpublished' as const, 'published' as const),
});

const op: fc.Arbitrary<StoreOp> = fc.oneof(
  groupRecord.map((record) => ({ op: 'putGroup' as const, record })),
  messageRecord.map((record) => ({ op: 'putMessage' as const, record })),
  fc.constantFrom(...msgIds).map((messageId) => ({ op: 'deleteMessage' as const, messageId })),
  fc.record({ key: fc.constantFrom('welcomes', 'x'), value: fc.bigInt({ min: 0n, max: 1n << 64n }) }).map((c) => ({ op: 'setCursor' as const, ...c })),
  fc.record({ groupId: fc.constantFrom(...groupIds), epoch: fc.bigInt({ min: 0n, max: 9n }), ratchetTree: fc.uint8Array({ maxLength: 4 }), state: fc.uint8Array({ maxLength: 4 }) }).map(
    (record) => ({ op: 'putGroupState' as const, record }),
  ),
  fc.constantFrom(...groupIds).map((groupId) => ({ op: 'deleteGroupState' as const, groupId })),
);

const messageQuery: fc.Arbitrary<MessageQuery> = fc.record(
  {
    limit: fc.integer({ min: 0, max: 4 }),
    beforeNs: fc.bigInt({ min: 0n, max: 7n }),
    afterNs: fc.bigInt({ min: 0n, max: 7n }),
    direction: fc.constantFrom('ascending' as const, 'descending' as const),
    kind: fc.constantFrom('application' as const, 'membershipChange' as const),
  },
  { requiredKeys: [] },
);

async function snapshot(store: ClientStore, queries: MessageQuery[]) {
  return {
    groups: await store.listGroups(),
    dms: await store.listGroups({ kind: 'dm', consentStates: ['allowed', 'unknown'] }),
    states: await Promise.all(groupIds.map((g) => store.getGroupState(g))),
    messages: await Promise.all(msgIds.map((m) => store.getMessage(m))),
    pages: await Promise.all(groupIds.flatMap((g) => queries.map((q) => store.listMessages(g, q)))),
    cursors: [await store.getCursor('welcomes'), await store.getCursor('x')],
  };
}

describe('vault ClientStore', () => {
  const answersAsMemory = async () => {
    const vault = await unlockedVault();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { maxLength: 5 }), { maxLength: 6 }), fc.array(messageQuery, { maxLength: 4 }), async (batches, queries) => {
        const sealed = vaultClientStore(vault, `identity-${run++}`);
        const memory = createMemoryStore();
        for (const batch of batches) {
          await sealed.commit(batch);
          await memory.commit(batch);
        }
        expect(await snapshot(sealed, queries)).toEqual(await snapshot(memory, queries));
      }),
      { numRuns: 60 },
    );
  };

  it('answers every query as the in-memory store does after the same batches', answersAsMemory);

  it('answers the same by cursor where IndexedDB has no getAllRecords (Firefox)', async () => {
    const proto = IDBIndex.prototype as unknown as { getAllRecords?: unknown };
    const getAllRecords = proto.getAllRecords;
    expect(getAllRecords).toBeTypeOf('function');
    delete proto.getAllRecords;
    try {
      await answersAsMemory();
    } finally {
      proto.getAllRecords = getAllRecords;
    }
  });

  it('pages messages that share a sent time by id, both ways, with and without getAllRecords', async () => {
    const vault = await unlockedVault();
    const proto = IDBIndex.prototype as unknown as { getAllRecords?: unknown };
    const getAllRecords = proto.getAllRecords;
    const message = (id: string, sentAtNs: bigint): MessageRecord => ({
      id, groupId: 'aa01', kind: 'application', senderInboxId: 'b', senderInstallationId: 'ab', sentAtNs, content: new Uint8Array(), contentType: 't', deliveryStatus: 'published',
    });
    const ids = (list: MessageRecord[]) => list.map((m) => m.id);
    for (const [run, withRecords] of [[0, true], [1, false]] as const) {
      if (!withRecords) delete proto.getAllRecords;
      try {
        const store = vaultClientStore(vault, `ties-${run}`);
        await store.commit(['e', 'b', 'd', 'a', 'c'].map((id) => ({ op: 'putMessage' as const, record: message(id, 5n) })));
        await store.commit([{ op: 'putMessage', record: message('z', 1n) }, { op: 'putMessage', record: message('y', 9n) }]);
        expect(ids(await store.listMessages('aa01', { limit: 3 }))).toEqual(['z', 'a', 'b']);
        expect(ids(await store.listMessages('aa01', { limit: 3, direction: 'descending' }))).toEqual(['y', 'e', 'd']);
        expect(ids(await store.listMessages('aa01', { limit: 2, afterNs: 1n, beforeNs: 9n, direction: 'descending' }))).toEqual(['e', 'd']);
      } finally {
        proto.getAllRecords = getAllRecords;
      }
    }
  });

  it('deletes expired messages as the in-memory store does, in one identity only', async () => {
    const vault = await unlockedVault();
    const window = fc.record({ groupId: fc.constantFrom(...groupIds), fromNs: fc.bigInt({ min: 0n, max: 7n }), toNs: fc.bigInt({ min: 0n, max: 7n }) });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { maxLength: 5 }), { maxLength: 4 }), fc.array(window, { maxLength: 3 }), async (batches, windows) => {
        const sealed = vaultClientStore(vault, `expiry-${run}`);
        const bystander = vaultClientStore(vault, `bystander-${run++}`);
        const memory = createMemoryStore();
        for (const batch of batches) {
          await sealed.commit(batch);
          await bystander.commit(batch);
          await memory.commit(batch);
        }
        const untouched = await snapshot(bystander, []);
        for (const w of windows) expect(await sealed.deleteExpiredMessages(w.groupId, w)).toBe(await memory.deleteExpiredMessages(w.groupId, w));
        expect(await snapshot(sealed, [])).toEqual(await snapshot(memory, []));
        expect(await snapshot(bystander, [])).toEqual(untouched);
      }),
      { numRuns: 40 },
    );
  });

  it('deletes as the in-memory store does when sweeps, writes and changed windows interleave', async () => {
    const vault = await unlockedVault();
    // Wide windows, mostly from the start, so that a later write often lands in a range already swept.
    const window = fc.record({ groupId: fc.constantFrom(...groupIds), fromNs: fc.bigInt({ min: 0n, max: 2n }), toNs: fc.bigInt({ min: 1n, max: 7n }) });
    const step = fc.oneof(fc.array(op, { maxLength: 4 }).map((batch) => ({ batch })), window.map((w) => ({ window: w })));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 16 }), async (steps) => {
        const sealed = vaultClientStore(vault, `interleaved-${run++}`);
        const memory = createMemoryStore();
        for (const s of steps) {
          if ('batch' in s) {
            await sealed.commit(s.batch);
            await memory.commit(s.batch);
          } else {
            expect(await sealed.deleteExpiredMessages(s.window.groupId, s.window)).toBe(await memory.deleteExpiredMessages(s.window.groupId, s.window));
          }
        }
        expect(await snapshot(sealed, [])).toEqual(await snapshot(memory, []));
      }),
      { numRuns: 100 },
    );
  });

  it('a message written while a sweep runs is deleted by the next sweep of the same window', async () => {
    const vault = await unlockedVault();
    const listByTime = vault.records.listByTime.bind(vault.records);
    const window = fc.record({ groupId: fc.constantFrom(...groupIds), fromNs: fc.bigInt({ min: 0n, max: 2n }), toNs: fc.bigInt({ min: 1n, max: 7n }) });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { maxLength: 4 }), { maxLength: 3 }), window, fc.array(op, { maxLength: 4 }), async (before, w, during) => {
        const sealed = vaultClientStore(vault, `racing-${run++}`);
        const memory = createMemoryStore();
        for (const batch of before) {
          await sealed.commit(batch);
          await memory.commit(batch);
        }
        // The batch is written after the sweep read its rows and before it ends.
        let midSweep: (() => Promise<void>) | undefined = () => sealed.commit(during);
        vault.records.listByTime = async (...args) => {
          const rows = await listByTime(...args);
          const hook = midSweep;
          midSweep = undefined;
          await hook?.();
          return rows;
        };
        await sealed.deleteExpiredMessages(w.groupId, w);
        vault.records.listByTime = listByTime;
        if (midSweep !== undefined) await sealed.commit(during);
        await sealed.deleteExpiredMessages(w.groupId, w);
        await memory.commit(during);
        await memory.deleteExpiredMessages(w.groupId, w);
        expect(await snapshot(sealed, [])).toEqual(await snapshot(memory, []));
      }),
      { numRuns: 60 },
    );
  });

  it('opens only the rows after the swept range on the next sweep, and again the whole window when the settings move its start back', async () => {
    const vault = await unlockedVault();
    const store = vaultClientStore(vault, 'sweeps');
    let opened = 0;
    const listByTime = vault.records.listByTime.bind(vault.records);
    vault.records.listByTime = async (...args) => {
      const rows = await listByTime(...args);
      opened += rows.length;
      return rows;
    };
    const message = (id: string, sentAtNs: bigint, kind: MessageRecord['kind'], deliveryStatus: MessageRecord['deliveryStatus'] = 'published'): MessageRecord => ({
      id, groupId: 'aa01', kind, senderInboxId: 'b', senderInstallationId: 'ab', sentAtNs, content: new Uint8Array(), contentType: 't', deliveryStatus,
    });
    // 50 group updates and an unsent message among 10 application messages, sent at 1..61.
    const rows: MessageRecord[] = [];
    for (let t = 1n; t <= 50n; t++) rows.push(message(`u${t}`, t, 'membershipChange'));
    rows.push(message('unsent', 25n, 'application', 'unpublished'));
    for (let t = 51n; t <= 60n; t++) rows.push(message(`a${t}`, t - 46n, 'application'));
    await store.commit(rows.map((record) => ({ op: 'putMessage' as const, record })));

    expect(await store.deleteExpiredMessages('aa01', { fromNs: 1n, toNs: 10n })).toBe(6);
    expect(opened).toBe(16);
    opened = 0;
    // The same window again opens nothing; a later end opens only what lies past the last one.
    expect(await store.deleteExpiredMessages('aa01', { fromNs: 1n, toNs: 10n })).toBe(0);
    expect(opened).toBe(0);
    expect(await store.deleteExpiredMessages('aa01', { fromNs: 1n, toNs: 20n })).toBe(4);
    expect(opened).toBe(14);
    opened = 0;
    // A message that arrives late, inside the swept range, is still found.
    await store.commit([{ op: 'putMessage', record: message('late', 3n, 'application') }]);
    expect(await store.deleteExpiredMessages('aa01', { fromNs: 1n, toNs: 20n })).toBe(1);
    expect(await store.getMessage('late')).toBeUndefined();
    // Settings whose start moved earlier than the swept range: the whole window is read again.
    await store.commit([{ op: 'putMessage', record: message('early', 0n, 'application') }]);
    opened = 0;
    expect(await store.deleteExpiredMessages('aa01', { fromNs: 0n, toNs: 20n })).toBe(1);
    expect(opened).toBe(21);
    const left = await store.listMessages('aa01');
    expect(left.filter((m) => m.kind === 'application').map((m) => m.id)).toEqual(['unsent']);
    expect(left.filter((m) => m.kind === 'membershipChange')).toHaveLength(50);
  });

  it('keeps identities apart: one identity never sees another\'s records', async () => {
    const vault = await unlockedVault();
    const alice = vaultClientStore(vault, 'alice');
    const bob = vaultClientStore(vault, 'bob');
    await alice.commit([{ op: 'setCursor', key: 'welcomes', value: 5n }]);
    expect(await bob.getCursor('welcomes')).toBeUndefined();
    expect(await alice.getCursor('welcomes')).toBe(5n);
  });

  it('applies nothing of a batch when one record cannot be written', async () => {
    const vault = await unlockedVault();
    const store = vaultClientStore(vault, 'alice');
    const bad = { op: 'putIdentityLog', record: { inboxId: 'x', updates: [{ sequenceId: 1n, serverTimestampNs: Number.NaN, update: new Uint8Array() }] } };
    await expect(store.commit([{ op: 'setCursor', key: 'welcomes', value: 1n }, bad as unknown as StoreOp])).rejects.toMatchObject({ code: 'Vault.Corrupt' });
    expect(await store.getCursor('welcomes')).toBeUndefined();
  });

  it('refuses reads and writes once the vault locks', async () => {
    const vault = await unlockedVault();
    const store = vaultClientStore(vault, 'alice');
    await vault.lock();
    await expect(store.getCursor('welcomes')).rejects.toMatchObject({ code: 'Vault.Locked' });
    await expect(store.commit([{ op: 'setCursor', key: 'welcomes', value: 1n }])).rejects.toMatchObject({ code: 'Vault.Locked' });
  });

  it('leaves no private key, key-package secret, password, message text or conversation id in an IndexedDB dump', async () => {
    const dbName = freshDbName();
    const vault = await unlockedVault(dbName);
    const installationKey = crypto.getRandomValues(new Uint8Array(32));
    const keyPackageSecrets = crypto.getRandomValues(new Uint8Array(128));
    const walletKey = '0x' + 'ab54'.repeat(16);
    const text = 'meet me at the old mill at midnight';
    const groupId = 'feedc0ffee0123456789abcdef001122';
    await vault.put('identity', 'id1', { privateKey: walletKey, label: 'Main' });
    const store = vaultClientStore(vault, 'id1');
    await store.commit([
      {
        op: 'putIdentity',
        record: {
          inboxId: 'inbox',
          accountAddress: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
          nonce: 1n,
          installationPrivateKey: installationKey,
          installationPublicKey: new Uint8Array(32),
          registered: true,
          createdAtNs: 1n,
        },
      },
      {
        op: 'putMessage',
        record: {
          id: 'aa',
          groupId,
          kind: 'application',
          senderInboxId: 'inbox',
          senderInstallationId: '',
          sentAtNs: 10n,
          content: new TextEncoder().encode(text),
          contentType: 'xmtp.org/text:1.0',
          deliveryStatus: 'published',
        },
      },
      // A key package's private keys: init, HPKE leaf, signature and X-Wing seed.
      { op: 'putKeyPackage', record: { id: 'cd'.repeat(32), keyPackage: new Uint8Array(64), privateKeys: keyPackageSecrets, createdAtNs: 1n } },
    ]);
    const dump = bytesOf(await dumpDatabase(dbName));
    expect(dump.length).toBeGreaterThan(500);
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(contains(dump, installationKey)).toBe(false);
    expect(contains(dump, installationKey.slice(0, 8))).toBe(false);
    expect(contains(dump, keyPackageSecrets.slice(96, 104))).toBe(false);
    for (const secret of [walletKey, walletKey.slice(2), text, 'old mill', PASSWORD, groupId, 'xmtp.org/text', 'Main']) {
      expect(contains(dump, enc(secret)), secret).toBe(false);
    }
    // The search itself works: the time index is in the clear on purpose.
    expect(contains(dump, enc('00000000000000000010'))).toBe(true);
  });
});
