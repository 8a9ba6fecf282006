import { describe, expect, it } from 'vitest';
import type { ClientStore, GroupRecord, MessageRecord } from '../../../src/core/client/store';
import { isParleyError } from '../../../src/core/errors';

/**
 * Behaviour every ClientStore must have, for each implementation's test to run
 * (`describeClientStoreConformance('memory', createMemoryStore)`).
 */
export function describeClientStoreConformance(name: string, makeStore: () => Promise<ClientStore> | ClientStore): void {
  describe(`ClientStore conformance: ${name}`, () => {
    it('starts empty', async () => {
      const store = await makeStore();
      expect(await store.getIdentity()).toBeUndefined();
      expect(await store.listGroups()).toEqual([]);
      expect(await store.listIntents()).toEqual([]);
      expect(await store.getCursor('welcomes')).toBeUndefined();
      await store.close();
    });

    it('gives back what a batch put, equal and unaliased', async () => {
      const store = await makeStore();
      const state = new Uint8Array([1, 2, 3]);
      await store.commit([
        { op: 'putGroup', record: group('aa') },
        { op: 'putGroupState', record: { groupId: 'aa', epoch: 3n, ratchetTree: new Uint8Array([9]), state } },
        { op: 'setCursor', key: 'welcomes', value: 18446744073709551615n },
      ]);
      state[0] = 7;
      const got = await store.getGroupState('aa');
      expect(got).toEqual({ groupId: 'aa', epoch: 3n, ratchetTree: new Uint8Array([9]), state: new Uint8Array([1, 2, 3]) });
      got!.state[1] = 9;
      expect((await store.getGroupState('aa'))!.state).toEqual(new Uint8Array([1, 2, 3]));
      expect(await store.getGroup('aa')).toEqual(group('aa'));
      expect(await store.getCursor('welcomes')).toBe(18446744073709551615n);
      await store.close();
    });

    it('applies the operations of a batch in order', async () => {
      const store = await makeStore();
      await store.commit([
        { op: 'putIntent', record: intent('i1', 'aa', 1n) },
        { op: 'deleteIntent', intentId: 'i1' },
        { op: 'putIntent', record: intent('i2', 'aa', 2n) },
        { op: 'putIntent', record: { ...intent('i2', 'aa', 2n), state: 'published', attempts: 1 } },
      ]);
      expect(await store.getIntent('i1')).toBeUndefined();
      expect((await store.listIntents('aa')).map((i) => [i.id, i.state])).toEqual([['i2', 'published']]);
      expect(await store.listIntents('bb')).toEqual([]);
      await store.close();
    });

    it('lists messages by time, both directions, with limits and bounds', async () => {
      const store = await makeStore();
      await store.commit([1, 5, 3, 2, 4].map((t) => ({ op: 'putMessage' as const, record: message(`m${t}`, 'aa', BigInt(t)) })));
      await store.commit([{ op: 'putMessage', record: message('x', 'bb', 1n) }]);
      const ids = async (q: Parameters<ClientStore['listMessages']>[1]) => (await store.listMessages('aa', q)).map((m) => m.id);
      expect(await ids({})).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(await ids({ direction: 'descending', limit: 2 })).toEqual(['m5', 'm4']);
      expect(await ids({ beforeNs: 4n, limit: 2 })).toEqual(['m1', 'm2']);
      expect(await ids({ beforeNs: 4n, direction: 'descending', limit: 2 })).toEqual(['m3', 'm2']);
      expect(await ids({ afterNs: 3n })).toEqual(['m4', 'm5']);
      await store.commit([{ op: 'putMessage', record: { ...message('m2', 'aa', 2n), deliveryStatus: 'unpublished' } }]);
      expect(await ids({ deliveryStatus: 'unpublished' })).toEqual(['m2']);
      await store.commit([{ op: 'deleteMessage', messageId: 'm2' }]);
      expect(await ids({})).toEqual(['m1', 'm3', 'm4', 'm5']);
      expect(await store.getMessage('m2')).toBeUndefined();
      await store.close();
    });

    it('deletes the expired messages of one group: published application messages sent in the window, ends included', async () => {
      const store = await makeStore();
      await store.commit([
        ...[1, 2, 3, 4, 5].map((t) => ({ op: 'putMessage' as const, record: message(`m${t}`, 'aa', BigInt(t)) })),
        { op: 'putMessage', record: { ...message('update', 'aa', 3n), kind: 'membershipChange' } },
        { op: 'putMessage', record: { ...message('sending', 'aa', 3n), deliveryStatus: 'unpublished' } },
        { op: 'putMessage', record: message('other', 'bb', 3n) },
      ]);
      expect(await store.deleteExpiredMessages('aa', { fromNs: 2n, toNs: 4n })).toBe(3);
      expect((await store.listMessages('aa')).map((m) => m.id)).toEqual(['m1', 'sending', 'update', 'm5']);
      expect(await store.getMessage('m3')).toBeUndefined();
      expect((await store.listMessages('bb')).map((m) => m.id)).toEqual(['other']);
      expect(await store.deleteExpiredMessages('aa', { fromNs: 2n, toNs: 4n })).toBe(0);
      expect(await store.deleteExpiredMessages('aa', { fromNs: 5n, toNs: 1n })).toBe(0);
      expect(await store.deleteExpiredMessages('none', { fromNs: 0n, toNs: 9n })).toBe(0);
      await store.close();
      await expect(store.deleteExpiredMessages('aa', { fromNs: 0n, toNs: 9n })).rejects.toSatisfy((e) => isParleyError(e, 'Client.StoreClosed'));
    });

    it('filters groups by kind, DM id and consent', async () => {
      const store = await makeStore();
      await store.commit([
        { op: 'putGroup', record: group('g1') },
        { op: 'putGroup', record: { ...group('d1'), kind: 'dm', dmId: 'dm:a:b', consentState: 'unknown' } },
        { op: 'putGroup', record: { ...group('g2'), consentState: 'denied' } },
      ]);
      expect((await store.listGroups({ kind: 'dm' })).map((g) => g.id)).toEqual(['d1']);
      expect((await store.listGroups({ dmId: 'dm:a:b' })).map((g) => g.id)).toEqual(['d1']);
      expect((await store.listGroups({ consentStates: ['allowed', 'unknown'] })).map((g) => g.id).sort()).toEqual(['d1', 'g1']);
      await store.close();
    });

    it('keeps identity, key packages and identity logs', async () => {
      const store = await makeStore();
      const identity = {
        inboxId: 'ab',
        accountAddress: '0x01',
        nonce: 1n,
        installationPrivateKey: new Uint8Array(32).fill(1),
        installationPublicKey: new Uint8Array(32).fill(2),
        registered: true,
        createdAtNs: 5n,
      };
      await store.commit([
        { op: 'putIdentity', record: identity },
        { op: 'putKeyPackage', record: { id: 'k1', keyPackage: new Uint8Array([1]), privateKeys: new Uint8Array([2]), createdAtNs: 1n } },
        { op: 'putKeyPackage', record: { id: 'k2', keyPackage: new Uint8Array([3]), privateKeys: new Uint8Array([4]), createdAtNs: 2n, deleteAtNs: 9n } },
        { op: 'putIdentityLog', record: { inboxId: 'ab', updates: [{ sequenceId: 1n, serverTimestampNs: 2n, update: new Uint8Array([5]) }] } },
        { op: 'deleteKeyPackage', keyPackageId: 'k1' },
      ]);
      expect(await store.getIdentity()).toEqual(identity);
      expect((await store.listKeyPackages()).map((k) => k.id)).toEqual(['k2']);
      expect((await store.getKeyPackage('k2'))?.deleteAtNs).toBe(9n);
      expect((await store.getIdentityLog('ab'))?.updates[0]?.sequenceId).toBe(1n);
      await store.close();
    });

    it('refuses calls after close with Client.StoreClosed', async () => {
      const store = await makeStore();
      await store.close();
      await expect(store.getIdentity()).rejects.toSatisfy((e) => isParleyError(e, 'Client.StoreClosed'));
    });
  });
}

function group(id: string): GroupRecord {
  return {
    id,
    kind: 'group',
    createdAtNs: 1n,
    addedByInboxId: 'ab',
    consentState: 'allowed',
    consentUpdatedAtNs: 1n,
    membershipState: 'allowed',
    active: true,
    cursor: 0n,
    lastMessageAtNs: 0n,
  };
}

function intent(id: string, groupId: string, createdAtNs: bigint) {
  return { id, groupId, kind: 'sendMessage' as const, state: 'toPublish' as const, data: new Uint8Array([1]), attempts: 0, createdAtNs };
}

function message(id: string, groupId: string, sentAtNs: bigint): MessageRecord {
  return {
    id,
    groupId,
    kind: 'application',
    senderInboxId: 'ab',
    senderInstallationId: 'cd',
    sentAtNs,
    content: new Uint8Array([1]),
    contentType: 'xmtp.org/text:1.0',
    deliveryStatus: 'published',
  };
}
