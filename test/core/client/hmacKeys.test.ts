import { hkdfSync, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore, type GroupRecord } from '../../../src/core/client';
import { conversationHmacKeys, conversationsHmacKeys, groupHmacKeys } from '../../../src/core/client/hmacKeys';
import { hmacRootKeyOf } from '../../../src/core/client/hmacRoot';
import { isParleyError } from '../../../src/core/errors';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, type TestNetwork } from './clientTestKit';

const PERIOD_MS = 30 * 24 * 60 * 60 * 1000;

/** libxmtp mls_sync.rs hmac_keys, written again with node:crypto rather than @noble/hashes. */
function referenceKey(root: Uint8Array, groupIdHex: string, epoch: bigint): Uint8Array {
  const groupId = Buffer.from(groupIdHex, 'hex');
  const epochLe = Buffer.alloc(8);
  epochLe.writeBigInt64LE(epoch);
  return new Uint8Array(hkdfSync('sha256', Buffer.concat([root, groupId]), 'libXMTP HKDF salt!', Buffer.concat([groupId, epochLe]), 42));
}

function record(id: string, change: Partial<GroupRecord> = {}): GroupRecord {
  return {
    id,
    kind: 'group',
    createdAtNs: 1n,
    addedByInboxId: 'a',
    consentState: 'unknown',
    consentUpdatedAtNs: 0n,
    membershipState: 'allowed',
    active: true,
    cursor: 0n,
    lastMessageAtNs: 0n,
    ...change,
  };
}

const root = Uint8Array.from({ length: 42 }, (_, i) => i + 1);

describe('push-filter HMAC keys of one group', () => {
  it('are the previous, current and next 30-day periods, each HKDF-SHA256 as libxmtp derives it', () => {
    const now = new Date(Date.UTC(2026, 11, 7, 12));
    const current = BigInt(Math.floor(now.getTime() / PERIOD_MS));
    const keys = groupHmacKeys(root, 'c0ffee', now);
    expect(keys.map((k) => k.epoch)).toEqual([current - 1n, current, current + 1n]);
    for (const k of keys) expect(k.key).toEqual(referenceKey(root, 'c0ffee', k.epoch));
    expect(new Set(keys.map((k) => Buffer.from(k.key).toString('hex'))).size).toBe(3);
  });

  it('move to the next period exactly at a 30-day boundary of the Unix epoch', () => {
    const boundary = 20_000 * PERIOD_MS;
    expect(groupHmacKeys(root, 'ab', new Date(boundary - 1))[1]!.epoch).toBe(19_999n);
    expect(groupHmacKeys(root, 'ab', new Date(boundary))[1]!.epoch).toBe(20_000n);
  });

  it('differ by group and by root', () => {
    const now = new Date();
    const other = root.map((b) => b ^ 0xff);
    expect(groupHmacKeys(root, 'aa', now)[1]!.key).not.toEqual(groupHmacKeys(root, 'bb', now)[1]!.key);
    expect(groupHmacKeys(root, 'aa', now)[1]!.key).not.toEqual(groupHmacKeys(other, 'aa', now)[1]!.key);
  });
});

describe('push-filter HMAC keys of the conversations', () => {
  const now = new Date();
  async function storeWith(records: GroupRecord[]) {
    const store = createMemoryStore();
    await store.commit(records.map((r) => ({ op: 'putGroup', record: r })));
    return store;
  }

  it('cover every group and each duplicate DM group, but no denied conversation (libxmtp find_groups defaults)', async () => {
    const store = await storeWith([
      record('01'),
      record('02', { consentState: 'allowed', consentUpdatedAtNs: 1n }),
      record('03', { consentState: 'denied', consentUpdatedAtNs: 1n }),
      record('04', { active: false }),
      record('a1', { kind: 'dm', dmId: 'dm:x:y', consentState: 'allowed', consentUpdatedAtNs: 1n }),
      record('a2', { kind: 'dm', dmId: 'dm:x:y', createdAtNs: 2n }),
      record('b1', { kind: 'dm', dmId: 'dm:x:z', consentState: 'denied', consentUpdatedAtNs: 5n }),
      record('b2', { kind: 'dm', dmId: 'dm:x:z', createdAtNs: 2n }),
    ]);
    const keys = await conversationsHmacKeys(store, root, now);
    expect(Object.keys(keys).sort()).toEqual(['01', '02', '04', 'a1', 'a2']);
    expect(keys['a2']).toEqual(groupHmacKeys(root, 'a2', now));
  });

  it('of one DM cover all the groups of its pair, whatever their consent; of a group only itself', async () => {
    const b1 = record('b1', { kind: 'dm', dmId: 'dm:x:z', consentState: 'denied', consentUpdatedAtNs: 5n });
    const store = await storeWith([b1, record('b2', { kind: 'dm', dmId: 'dm:x:z', createdAtNs: 2n }), record('01')]);
    expect(Object.keys(await conversationHmacKeys(store, root, b1, now)).sort()).toEqual(['b1', 'b2']);
    expect(Object.keys(await conversationHmacKeys(store, root, record('01'), now))).toEqual(['01']);
  });
});

describe('a client’s push-filter HMAC keys', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('come from a random 42-byte root kept with the identity, and sign what the client sends', async () => {
    const store = createMemoryStore();
    const alice = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: network.api(), store });
    const bob = await newUser(network);
    const group = await alice.conversations.createGroup([bob.client.inboxId]);
    const identity = (await store.getIdentity())!;
    expect(identity.hmacRootKey).toHaveLength(42);
    expect(alice.exportHmacRootKey()).toEqual(identity.hmacRootKey);

    const all = await alice.conversations.hmacKeys();
    expect(Object.keys(all)).toEqual([group.id]);
    expect(await group.hmacKeys()).toEqual(all);
    for (const k of all[group.id]!) expect(k.key).toEqual(referenceKey(identity.hmacRootKey!, group.id, k.epoch));

    await group.sendText('filtered by the push server');
    const page = await network.api().queryGroupMessages({ groupId: Buffer.from(group.id, 'hex'), pagingInfo: undefined });
    const sent = page.messages.at(-1)!.v1!;
    const current = all[group.id]![1]!.key;
    expect(Buffer.from(sent.senderHmac)).toEqual(createHmac('sha256', current).update(sent.data).digest());
    // Bob's keys come from his own root: with them the push server does not take Alice's message for his.
    const bobKeys = await (await bob.client.conversations.sync(), bob.client.conversations.hmacKeys());
    expect(Buffer.from(sent.senderHmac)).not.toEqual(createHmac('sha256', bobKeys[group.id]![1]!.key).update(sent.data).digest());
  });

  it('take a root given to the client, keep it in the store, and refuse one that is not 42 bytes', async () => {
    const signer = privateKeySigner(generateWalletPrivateKey());
    const store = createMemoryStore();
    const first = await Client.create(signer, { api: network.api(), store });
    const own = first.exportHmacRootKey();
    const shared = Uint8Array.from({ length: 42 }, (_, i) => 200 - i);
    const second = await Client.create(signer, { api: network.api(), store, hmacRootKey: shared });
    expect(second.exportHmacRootKey()).toEqual(shared);
    expect(own).not.toEqual(shared);
    const reopened = await Client.create(signer, { api: network.api(), store });
    expect(reopened.exportHmacRootKey()).toEqual(shared);
    const group = await reopened.conversations.createGroup([]);
    expect((await group.hmacKeys())[group.id]![1]!.key).toEqual(referenceKey(shared, group.id, (await group.hmacKeys())[group.id]![1]!.epoch));

    const refused = await Client.create(signer, { api: network.api(), store, hmacRootKey: new Uint8Array(32) }).catch((e: unknown) => e);
    expect(isParleyError(refused, 'Client.BadInput')).toBe(true);
  });

  it('of an identity stored before the root existed are derived from its installation key, the same on every open', () => {
    const identity = { inboxId: 'i', accountAddress: '0x', nonce: 1n, installationPrivateKey: new Uint8Array(32).fill(7), installationPublicKey: new Uint8Array(32), registered: true, createdAtNs: 0n };
    expect(hmacRootKeyOf(identity)).toHaveLength(42);
    expect(hmacRootKeyOf(identity)).toEqual(hmacRootKeyOf({ ...identity }));
    expect(hmacRootKeyOf({ ...identity, installationPrivateKey: new Uint8Array(32).fill(8) })).not.toEqual(hmacRootKeyOf(identity));
  });
});
