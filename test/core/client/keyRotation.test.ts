import { SortDirection } from '@xmtp/proto/mls/api/v1/mls.pb';
import Long from 'long';
import { decodeMlsMessage, emptyPskIndex, processPrivateMessage, type ClientState } from 'ts-mls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore, type Conversation, type Group, type KeyRotationPolicy } from '../../../src/core/client';
import { fromHex } from '../../../src/core/client/bytes';
import { groupLeaves, leafNodeAt } from '../../../src/core/client/groupLeaves';
import { loadGroupState } from '../../../src/core/client/groupState';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { getXmtpCiphersuiteImpl } from '../../../src/core/mls/ciphersuite';
import { decodeTlsExact } from '../../../src/core/mls/decodeTlsExact';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from './clientTestKit';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A user whose clock the test moves, starting `daysAgo` in the past: the node checks key packages'
 * lifetimes against its own clock, so a key package made "in the future" would be refused.
 */
async function userWithClock(network: TestNetwork, daysAgo: number, keyRotation: Partial<KeyRotationPolicy> = {}): Promise<TestUser & { clock: { ms: number } }> {
  const clock = { ms: Date.now() - daysAgo * DAY_MS };
  const signer = privateKeySigner(generateWalletPrivateKey());
  const store = createMemoryStore();
  const client = await Client.create(signer, { api: network.api(), store, now: () => new Date(clock.ms), keyRotation });
  return { signer, store, client, address: signer.identifier, clock };
}

async function joined(user: TestUser, id: string): Promise<Group> {
  await user.client.conversations.sync();
  const group = await user.client.conversations.getConversationById(id);
  if (group?.kind !== 'group') throw new Error(`${user.address} did not join ${id}`);
  await group.sync();
  return group;
}

/** The HPKE public key of the user's own leaf in the group, as its stored state holds it. */
async function ownLeafKey(user: TestUser, conversation: Conversation): Promise<Uint8Array> {
  const state = (await loadGroupState(user.store, conversation.id))?.state;
  if (state === undefined) throw new Error('no state');
  const leaf = groupLeaves(state).find((l) => l.installationId === user.client.installationId);
  const node = leaf === undefined ? undefined : leafNodeAt(state.ratchetTree, leaf.leafIndex);
  if (node === undefined) throw new Error('no own leaf');
  return node.hpkePublicKey;
}

/** The group's messages on the node, as published, oldest first. */
async function wires(network: TestNetwork, groupId: string): Promise<Uint8Array[]> {
  const response = await network.api().queryGroupMessages({
    groupId: fromHex(groupId),
    pagingInfo: { direction: SortDirection.SORT_DIRECTION_ASCENDING, limit: 100, idCursor: Long.UZERO },
  });
  return response.messages.flatMap((m) => (m.v1 === undefined ? [] : [m.v1.data]));
}

/** What an attacker holding `state` gets from one published message: the next state, and the plaintext of an application message. */
async function processWith(state: ClientState, wire: Uint8Array): Promise<{ state: ClientState; text?: string }> {
  const decoded = decodeTlsExact(decodeMlsMessage, wire);
  if (!decoded.ok || decoded.value.wireformat !== 'mls_private_message') throw new Error('not a private message');
  const result = await processPrivateMessage(state, decoded.value.privateMessage, emptyPskIndex, await getXmtpCiphersuiteImpl());
  return result.kind === 'applicationMessage' ? { state: result.newState, text: new TextDecoder().decode(result.message) } : { state: result.newState };
}

describe('key rotation (post-compromise security)', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('a member who joins by welcome replaces the key package’s leaf keys at once, and the others follow', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address], { name: 'fresh keys' });
    // Alice's view before bob's update: his leaf is the one from his key package.
    const aliceView = (await loadGroupState(alice.store, group.id))?.state;
    const bobLeafInWelcome = aliceView === undefined ? undefined : groupLeaves(aliceView).find((l) => l.inboxId === bob.client.inboxId);
    const welcomeKey = aliceView === undefined || bobLeafInWelcome === undefined ? undefined : leafNodeAt(aliceView.ratchetTree, bobLeafInWelcome.leafIndex)?.hpkePublicKey;

    const bobGroup = await joined(bob, group.id);
    // The add took epoch 1; bob's self-update epoch 2.
    expect(bobGroup.epoch).toBe(2n);
    const bobLeafNow = await ownLeafKey(bob, bobGroup);
    expect(welcomeKey).toBeDefined();
    expect(bobLeafNow).not.toEqual(welcomeKey);

    await group.sync();
    expect(group.epoch).toBe(2n);
    await group.sendText('after bob rotated');
    await bobGroup.sync();
    expect(texts(await bobGroup.messages())).toEqual(['after bob rotated']);
    // The self-update shows no transcript message: nothing about the group changed.
    expect((await group.messages()).filter((m) => m.kind === 'membershipChange')).toHaveLength(1);
  });

  it('PCS: a copy of bob’s state taken before his self-update follows others’ commits, but reads nothing after his', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address]);
    const bobGroup = await joined(bob, group.id);
    await group.sync();

    // An attacker copies bob's device state.
    const stolen = (await loadGroupState(bob.store, group.id))?.state;
    if (stolen === undefined) throw new Error('no state');
    const seen = (await wires(network, group.id)).length;

    // Control: while only alice commits, the copy keeps up — the compromise is not healed by others.
    await group.updateName('renamed');
    await group.sendText('while compromised');
    const [renameWire, compromisedWire] = (await wires(network, group.id)).slice(seen);
    if (renameWire === undefined || compromisedWire === undefined) throw new Error('missing messages');
    let attacker = (await processWith(stolen, renameWire)).state;
    const read = await processWith(attacker, compromisedWire);
    expect(read.text).toContain('while compromised');
    attacker = read.state;

    // Bob rotates; alice sends.
    await bobGroup.sync();
    await bobGroup.updateKeys();
    await group.sync();
    await group.sendText('after the update');
    await bobGroup.sync();
    expect(texts(await bobGroup.messages())).toEqual(['while compromised', 'after the update']);

    const [updateWire, afterWire] = (await wires(network, group.id)).slice(seen + 2);
    if (updateWire === undefined || afterWire === undefined) throw new Error('missing messages');
    // The copy can neither follow bob's UpdatePath commit nor read what came after it.
    await expect(processWith(attacker, updateWire)).rejects.toThrow();
    await expect(processWith(attacker, afterWire)).rejects.toThrow();
  });

  it('the schedule: a self-update before the send once 7 days passed, none before', async () => {
    const alice = await newUser(network);
    const bob = await userWithClock(network, 10);
    const group = await alice.client.conversations.createGroup([bob.address]);
    const bobGroup = await joined(bob, group.id);
    expect(bobGroup.epoch).toBe(2n);

    bob.clock.ms += 6 * DAY_MS;
    await bobGroup.sendText('six days on');
    expect(bobGroup.epoch).toBe(2n);

    bob.clock.ms += 2 * DAY_MS;
    const before = await ownLeafKey(bob, bobGroup);
    await bobGroup.sendText('eight days on');
    expect(bobGroup.epoch).toBe(3n);
    expect(await ownLeafKey(bob, bobGroup)).not.toEqual(before);

    await group.sync();
    expect(group.epoch).toBe(3n);
    expect(texts(await group.messages())).toEqual(['six days on', 'eight days on']);
  });

  it('the schedule: a self-update once maxMessages were sent since the last', async () => {
    const alice = await newUser(network);
    const bob = await userWithClock(network, 0, { maxMessages: 3 });
    const group = await alice.client.conversations.createGroup([bob.address]);
    const bobGroup = await joined(bob, group.id);
    for (const text of ['one', 'two', 'three']) await bobGroup.sendText(text);
    expect(bobGroup.epoch).toBe(2n);
    await bobGroup.sendText('four');
    expect(bobGroup.epoch).toBe(3n);
    await group.sync();
    expect(texts(await group.messages())).toEqual(['one', 'two', 'three', 'four']);
  });

  it('a reader rotates at sync only in groups the user allowed; a denied group never self-updates after a welcome', async () => {
    const alice = await newUser(network);
    const bob = await userWithClock(network, 10);
    const group = await alice.client.conversations.createGroup([bob.address]);
    const bobGroup = await joined(bob, group.id);
    expect(await bobGroup.consentState()).toBe('unknown');

    bob.clock.ms += 8 * DAY_MS;
    await bobGroup.sync();
    expect(bobGroup.epoch).toBe(2n);
    await bobGroup.updateConsentState('allowed');
    await bobGroup.sync();
    expect(bobGroup.epoch).toBe(3n);

    // Denied, removed and added again: the new welcome brings no self-update.
    await bobGroup.updateConsentState('denied');
    await group.sync();
    await group.removeMembers([bob.address]);
    await group.addMembers([bob.address]);
    const epochAfterReAdd = group.epoch;
    await bob.client.conversations.sync();
    const again = await bob.client.conversations.getConversationById(group.id);
    if (again === undefined) throw new Error('bob did not rejoin');
    await again.sync();
    expect(again.isActive).toBe(true);
    expect(await again.consentState()).toBe('denied');
    expect(again.epoch).toBe(epochAfterReAdd);
    await group.sync();
    expect(group.epoch).toBe(epochAfterReAdd);
  });

  it('key packages: a new one after 30 days, the old one retired', async () => {
    const bob = await userWithClock(network, 31);
    const first = await bob.store.listKeyPackages();
    expect(first.filter((k) => k.deleteAtNs === undefined)).toHaveLength(1);
    bob.clock.ms += 29 * DAY_MS;
    await bob.client.conversations.sync();
    expect(await bob.store.listKeyPackages()).toEqual(first);
    bob.clock.ms += 2 * DAY_MS;
    await bob.client.conversations.sync();
    const after = await bob.store.listKeyPackages();
    const current = after.filter((k) => k.deleteAtNs === undefined);
    expect(current).toHaveLength(1);
    expect(current[0]?.id).not.toBe(first[0]?.id);
    expect(after.find((k) => k.id === first[0]?.id)?.deleteAtNs).toBeDefined();
  });

  it('past epochs: the keys of 3 are kept (libxmtp MAX_PAST_EPOCHS), older ones deleted', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address]);
    await joined(bob, group.id);
    await group.sync();
    for (let i = 0; i < 5; i++) await group.updateKeys();
    expect(group.epoch).toBe(7n);
    const state = (await loadGroupState(alice.store, group.id))?.state;
    expect([...(state?.historicalReceiverData.keys() ?? [])].sort()).toEqual([4n, 5n, 6n]);
  });
});
