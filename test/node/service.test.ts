import { IdentifierKind, IdentityUpdate } from '@xmtp/proto/identity/associations/association.pb';
import { SortDirection } from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus } from '../../src/core/api';
import { addInstallationUpdate, keyPackageFor, newIdentity, privateMessage, signedCommitLogEntry } from './fixtures';
import { GrpcCallError, call, startTestNode, type TestNode } from './helpers';
import { generateInstallationKey } from '../../src/core/identity/installationKey';

const u64 = (n: number | bigint): Long => Long.fromBigInt(BigInt(n), true);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

async function expectStatus(p: Promise<unknown>, code: number, detail?: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, 'the call should fail').toBeInstanceOf(GrpcCallError);
  expect((caught as GrpcCallError).code).toBe(code);
  if (detail) expect((caught as GrpcCallError).details).toMatch(detail);
}

describe('parley-node services over native gRPC', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  describe('registering an inbox in the order node-sdk does it', () => {
    it('resolves the inbox, serves its log and its key package once the installation is registered', async () => {
      const alice = await newIdentity();
      const lookup = () =>
        call(node.client, 'getInboxIds', {
          requests: [{ identifier: alice.address, identifierKind: IdentifierKind.IDENTIFIER_KIND_ETHEREUM }],
        });
      expect((await lookup()).responses).toEqual([{ identifier: alice.address, identifierKind: IdentifierKind.IDENTIFIER_KIND_ETHEREUM }]);

      // libxmtp uploads the key package before publishing the identity update.
      await call(node.client, 'uploadKeyPackage', {
        keyPackage: { keyPackageTlsSerialized: await keyPackageFor(alice.inboxId, alice.installation) },
        isInboxIdCredential: true,
      });
      const before = await call(node.client, 'fetchKeyPackages', { installationKeys: [alice.installation.publicKey] });
      expect(before.keyPackages).toHaveLength(1);
      expect(before.keyPackages[0]!.keyPackageTlsSerialized).toHaveLength(0);

      await call(node.client, 'publishIdentityUpdate', { identityUpdate: alice.registration });

      expect((await lookup()).responses[0]!.inboxId).toBe(alice.inboxId);
      const upper = await call(node.client, 'getInboxIds', {
        requests: [{ identifier: alice.address.toUpperCase().replace('0X', '0x'), identifierKind: IdentifierKind.IDENTIFIER_KIND_UNSPECIFIED }],
      });
      expect(upper.responses[0]!.inboxId).toBe(alice.inboxId);

      const updates = await call(node.client, 'getIdentityUpdates', { requests: [{ inboxId: alice.inboxId, sequenceId: u64(0) }] });
      expect(updates.responses).toHaveLength(1);
      const log = updates.responses[0]!.updates;
      expect(log).toHaveLength(1);
      expect(IdentityUpdate.encode(log[0]!.update!).finish()).toEqual(IdentityUpdate.encode(alice.registration).finish());
      expect(log[0]!.sequenceId.toBigInt() > 0n).toBe(true);
      const after = await call(node.client, 'getIdentityUpdates', { requests: [{ inboxId: alice.inboxId, sequenceId: log[0]!.sequenceId }] });
      expect(after.responses[0]!.updates).toEqual([]);

      const fetched = await call(node.client, 'fetchKeyPackages', { installationKeys: [alice.installation.publicKey, new Uint8Array(32)] });
      expect(fetched.keyPackages[0]!.keyPackageTlsSerialized.length).toBeGreaterThan(100);
      expect(fetched.keyPackages[1]!.keyPackageTlsSerialized).toHaveLength(0);
    });

    it('serves a second installation key package once its association is published', async () => {
      const bob = await newIdentity();
      await call(node.client, 'publishIdentityUpdate', { identityUpdate: bob.registration });
      const second = generateInstallationKey();
      await call(node.client, 'uploadKeyPackage', {
        keyPackage: { keyPackageTlsSerialized: await keyPackageFor(bob.inboxId, second) },
        isInboxIdCredential: true,
      });
      const pending = await call(node.client, 'fetchKeyPackages', { installationKeys: [second.publicKey] });
      expect(pending.keyPackages[0]!.keyPackageTlsSerialized).toHaveLength(0);
      await call(node.client, 'publishIdentityUpdate', { identityUpdate: await addInstallationUpdate(bob, second) });
      const served = await call(node.client, 'fetchKeyPackages', { installationKeys: [second.publicKey] });
      expect(served.keyPackages[0]!.keyPackageTlsSerialized.length).toBeGreaterThan(100);
      const log = await call(node.client, 'getIdentityUpdates', { requests: [{ inboxId: bob.inboxId, sequenceId: u64(0) }] });
      const ids = log.responses[0]!.updates.map((u) => u.sequenceId.toBigInt());
      expect(ids).toHaveLength(2);
      expect(ids[1]! > ids[0]!).toBe(true);
    });

    it('applies concurrent updates to one inbox one after the other, each validated against the log before it', async () => {
      const dave = await newIdentity();
      await call(node.client, 'publishIdentityUpdate', { identityUpdate: dave.registration });
      const extra = [generateInstallationKey(), generateInstallationKey(), generateInstallationKey()];
      const updates = await Promise.all(extra.map((k) => addInstallationUpdate(dave, k)));
      await Promise.all(updates.map((identityUpdate) => call(node.client, 'publishIdentityUpdate', { identityUpdate })));
      const log = await call(node.client, 'getIdentityUpdates', { requests: [{ inboxId: dave.inboxId, sequenceId: u64(0) }] });
      expect(log.responses[0]!.updates).toHaveLength(4);
      const owners = await Promise.all(
        extra.map(async (k) => {
          await call(node.client, 'uploadKeyPackage', { keyPackage: { keyPackageTlsSerialized: await keyPackageFor(dave.inboxId, k) }, isInboxIdCredential: true });
          const res = await call(node.client, 'fetchKeyPackages', { installationKeys: [k.publicKey] });
          return res.keyPackages[0]!.keyPackageTlsSerialized.length > 0;
        }),
      );
      expect(owners).toEqual([true, true, true]);
    });

    it('refuses a key package whose installation is registered to another inbox', async () => {
      const carol = await newIdentity();
      const mallory = await newIdentity();
      await call(node.client, 'publishIdentityUpdate', { identityUpdate: carol.registration });
      await expectStatus(
        call(node.client, 'uploadKeyPackage', {
          keyPackage: { keyPackageTlsSerialized: await keyPackageFor(mallory.inboxId, carol.installation) },
          isInboxIdCredential: true,
        }),
        GrpcStatus.INVALID_ARGUMENT,
        /another inbox/,
      );
    });
  });

  describe('group messages', () => {
    const group = new Uint8Array(16).fill(0xa1);
    let ids: bigint[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 5; i++) {
        await call(node.client, 'sendGroupMessages', {
          messages: [{ v1: { data: privateMessage(group, `m${i}`, i === 2 ? 'commit' : 'application'), senderHmac: new Uint8Array([i]), shouldPush: i !== 2 } }],
        });
      }
      const all = await call(node.client, 'queryGroupMessages', {
        groupId: group,
        pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 0, idCursor: u64(0) },
      });
      ids = all.messages.map((m) => m.v1!.id.toBigInt());
    });

    it('files messages under the group their framing names, with increasing ids and commit flags', async () => {
      expect(ids).toHaveLength(5);
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
      const page = await call(node.client, 'queryGroupMessages', {
        groupId: group,
        pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 100, idCursor: u64(0) },
      });
      const v = page.messages.map((m) => m.v1!);
      expect(v.map((m) => m.isCommit)).toEqual([false, false, true, false, false]);
      expect(v.map((m) => m.shouldPush)).toEqual([true, true, false, true, true]);
      expect(hex(v[0]!.groupId)).toBe(hex(group));
      expect(v[3]!.data).toEqual(privateMessage(group, 'm3'));
      expect(page.pagingInfo!.idCursor.toBigInt()).toBe(0n);
    });

    it('pages ascending from a cursor and hands back the next cursor on a full page', async () => {
      const page1 = await call(node.client, 'queryGroupMessages', {
        groupId: group,
        pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 2, idCursor: u64(ids[0]!) },
      });
      expect(page1.messages.map((m) => m.v1!.id.toBigInt())).toEqual(ids.slice(1, 3));
      expect(page1.pagingInfo!.idCursor.toBigInt()).toBe(ids[2]);
      const page2 = await call(node.client, 'queryGroupMessages', {
        groupId: group,
        pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 2, idCursor: page1.pagingInfo!.idCursor },
      });
      expect(page2.messages.map((m) => m.v1!.id.toBigInt())).toEqual(ids.slice(3, 5));
    });

    it('pages descending by default, newest first', async () => {
      const newest = await call(node.client, 'queryGroupMessages', { groupId: group, pagingInfo: undefined });
      expect(newest.messages.map((m) => m.v1!.id.toBigInt())).toEqual([...ids].reverse());
      const older = await call(node.client, 'queryGroupMessages', {
        groupId: group,
        pagingInfo: { direction: SortDirection.SORT_DIRECTION_DESCENDING, limit: 2, idCursor: u64(ids[3]!) },
      });
      expect(older.messages.map((m) => m.v1!.id.toBigInt())).toEqual([ids[2], ids[1]]);
      expect(older.pagingInfo!.direction).toBe(SortDirection.SORT_DIRECTION_DESCENDING);
    });

    it('answers the newest message per group, with or without content', async () => {
      const other = new Uint8Array(16).fill(0xb2);
      const res = await call(node.client, 'getNewestGroupMessage', { groupIds: [other, group], includeContent: false });
      expect(res.responses).toHaveLength(2);
      expect(res.responses[0]!.groupMessage).toBeUndefined();
      expect(res.responses[1]!.groupMessage!.v1!.id.toBigInt()).toBe(ids[4]);
      expect(res.responses[1]!.groupMessage!.v1!.data).toHaveLength(0);
      const full = await call(node.client, 'getNewestGroupMessage', { groupIds: [group], includeContent: true });
      expect(full.responses[0]!.groupMessage!.v1!.data).toEqual(privateMessage(group, 'm4'));
    });

    it('does not store a re-sent message twice', async () => {
      const g = new Uint8Array(16).fill(0xc3);
      const msg = { v1: { data: privateMessage(g, 'once'), senderHmac: new Uint8Array(), shouldPush: true } };
      await call(node.client, 'sendGroupMessages', { messages: [msg] });
      await call(node.client, 'sendGroupMessages', { messages: [msg] });
      const q = await call(node.client, 'queryGroupMessages', { groupId: g, pagingInfo: undefined });
      expect(q.messages).toHaveLength(1);
    });

    it('refuses a batch with one bad message and stores none of it', async () => {
      const g = new Uint8Array(16).fill(0xd4);
      await expectStatus(
        call(node.client, 'sendGroupMessages', {
          messages: [
            { v1: { data: privateMessage(g, 'good'), senderHmac: new Uint8Array(), shouldPush: true } },
            { v1: { data: new Uint8Array([1, 2, 3]), senderHmac: new Uint8Array(), shouldPush: true } },
          ],
        }),
        GrpcStatus.INVALID_ARGUMENT,
        /message 1/,
      );
      const q = await call(node.client, 'queryGroupMessages', { groupId: g, pagingInfo: undefined });
      expect(q.messages).toHaveLength(0);
    });
  });

  describe('welcomes', () => {
    it('stores welcomes per installation and pages them', async () => {
      const inst = new Uint8Array(32).fill(0x31);
      const other = new Uint8Array(32).fill(0x32);
      const welcome = (installationKey: Uint8Array, n: number) => ({
        v1: {
          installationKey,
          data: new Uint8Array([n, n, n]),
          hpkePublicKey: new Uint8Array(32).fill(n),
          wrapperAlgorithm: 1,
          welcomeMetadata: new Uint8Array([n]),
        },
      });
      await call(node.client, 'sendWelcomeMessages', { messages: [welcome(inst, 1), welcome(other, 2), welcome(inst, 3)] });
      await call(node.client, 'sendWelcomeMessages', {
        messages: [{ welcomePointer: { installationKey: inst, welcomePointer: new Uint8Array([9]), hpkePublicKey: new Uint8Array(1216).fill(9), wrapperAlgorithm: 2 } }],
      });
      const all = await call(node.client, 'queryWelcomeMessages', {
        installationKey: inst,
        pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 0, idCursor: u64(0) },
      });
      expect(all.messages).toHaveLength(3);
      expect(all.messages[0]!.v1!.data).toEqual(new Uint8Array([1, 1, 1]));
      expect(all.messages[1]!.v1!.welcomeMetadata).toEqual(new Uint8Array([3]));
      expect(all.messages[2]!.welcomePointer!.welcomePointer).toEqual(new Uint8Array([9]));
      const after = await call(node.client, 'queryWelcomeMessages', {
        installationKey: inst,
        pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 1, idCursor: all.messages[0]!.v1!.id },
      });
      expect(after.messages[0]!.v1!.id.toBigInt()).toBe(all.messages[1]!.v1!.id.toBigInt());
      expect(after.pagingInfo!.idCursor.toBigInt()).toBe(all.messages[1]!.v1!.id.toBigInt());
    });

    it('refuses a welcome without an HPKE key', async () => {
      await expectStatus(
        call(node.client, 'sendWelcomeMessages', {
          messages: [{ v1: { installationKey: new Uint8Array([1]), data: new Uint8Array([1]), hpkePublicKey: new Uint8Array(), wrapperAlgorithm: 1, welcomeMetadata: new Uint8Array() } }],
        }),
        GrpcStatus.INVALID_ARGUMENT,
        /HPKE/,
      );
    });
  });

  describe('commit log', () => {
    it('publishes and serves a group commit log in order with cursors', async () => {
      const g = new Uint8Array(16).fill(0xe5);
      const key = new Uint8Array(32).fill(3);
      const entries = [1, 2, 3].map((n) => signedCommitLogEntry(g, n, key));
      await call(node.client, 'batchPublishCommitLog', { requests: entries });
      const res = await call(node.client, 'batchQueryCommitLog', {
        requests: [{ groupId: g, pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 2, idCursor: u64(0) } }],
      });
      const page = res.responses[0]!;
      expect(page.commitLogEntries.map((e) => e.serializedCommitLogEntry)).toEqual(entries.slice(0, 2).map((e) => e.serializedCommitLogEntry));
      expect(page.commitLogEntries[0]!.signature).toEqual(entries[0]!.signature);
      const next = await call(node.client, 'batchQueryCommitLog', {
        requests: [{ groupId: g, pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 2, idCursor: page.pagingInfo!.idCursor } }],
      });
      expect(next.responses[0]!.commitLogEntries.map((e) => e.serializedCommitLogEntry)).toEqual([entries[2]!.serializedCommitLogEntry]);
    });

    it('refuses more than 10 entries in one publish', async () => {
      const g = new Uint8Array(16).fill(0xe6);
      await expectStatus(
        call(node.client, 'batchPublishCommitLog', { requests: Array.from({ length: 11 }, (_, n) => signedCommitLogEntry(g, n)) }),
        GrpcStatus.INVALID_ARGUMENT,
      );
    });
  });

  it('answers smart-contract-wallet verification as invalid when no verifier is configured', async () => {
    const res = await call(node.client, 'verifySmartContractWalletSignatures', {
      signatures: [{ accountId: 'eip155:1:0x0000000000000000000000000000000000000001', blockNumber: u64(5), signature: new Uint8Array([1]), hash: new Uint8Array(32) }],
    });
    expect(res.responses).toHaveLength(1);
    expect(res.responses[0]!.isValid).toBe(false);
    expect(res.responses[0]!.error).toMatch(/no verifier/);
  });
});
