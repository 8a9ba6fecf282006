import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createMemoryStore, type DecodedMessage, type Group } from '../../../src/core/client';
import { nsFromDate } from '../../../src/core/client/bytes';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from './clientTestKit';

const SECOND_NS = 1_000_000_000n;

/** A user whose clock the test sets: `at(ns)` moves it to that instant (ms precision), `real()` back. */
async function userWithClock(network: TestNetwork): Promise<TestUser & { at(ns: bigint): void }> {
  let fixed: Date | undefined;
  const signer = privateKeySigner(generateWalletPrivateKey());
  const store = createMemoryStore();
  const client = await Client.create(signer, { api: network.api(), store, now: () => fixed ?? new Date() });
  return {
    signer,
    store,
    client,
    address: signer.identifier,
    // Rounded up to the next millisecond: the clock is a Date.
    at: (ns) => void (fixed = new Date(Number((ns + 999_999n) / 1_000_000n))),
  };
}

function byText(messages: readonly DecodedMessage[], text: string): DecodedMessage {
  const found = messages.find((m) => m.content?.type === 'text' && m.content.text === text);
  if (found === undefined) throw new Error(`no message "${text}"`);
  return found;
}

async function bobsGroup(bob: TestUser, id: string): Promise<Group> {
  await bob.client.conversations.syncAll();
  const group = await bob.client.conversations.getConversationById(id);
  if (group?.kind !== 'group') throw new Error('bob should have the group');
  return group;
}

describe('disappearing messages', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('a message past its expiry is gone from messages() and the store; earlier and unexpired ones stay', async () => {
    const alice = await newUser(network);
    const bob = await userWithClock(network);
    const group = await alice.client.conversations.createGroup([bob.address]);
    await group.sendText('before the setting');
    const fromNs = nsFromDate(new Date());
    const inNs = 60n * SECOND_NS;
    await group.updateMessageDisappearingSettings(fromNs, inNs);
    await group.sendText('first');
    // Apart by a few ms, so that a millisecond clock can stand between their expiries.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await group.sendText('second');

    const bobGroupHandle = await bobsGroup(bob, group.id);
    expect(bobGroupHandle.messageDisappearingSettings()).toEqual({ fromNs, inNs });
    expect(bobGroupHandle.isMessageDisappearingEnabled()).toBe(true);
    const seen = await bobGroupHandle.messages();
    expect(texts(seen)).toEqual(['before the setting', 'first', 'second']);
    const first = byText(seen, 'first');
    const second = byText(seen, 'second');
    const updates = seen.filter((m) => m.kind === 'membershipChange').map((m) => m.id);
    expect(updates.length).toBeGreaterThan(0);

    // Bob's clock reaches the first message's expiry, not the second's.
    bob.at(first.sentAtNs + inNs);
    expect(second.sentAtNs).toBeGreaterThan(first.sentAtNs + 1_000_000n);
    // Hidden at once, before any sweep has deleted it, from the list and from a lookup by id.
    expect(texts(await bobGroupHandle.messages())).toEqual(['before the setting', 'second']);
    expect(await bobGroupHandle.message(first.id)).toBeUndefined();
    expect((await bobGroupHandle.message(second.id))?.content).toEqual({ type: 'text', text: 'second' });
    expect(await bob.store.getMessage(first.id)).toBeDefined();
    await bob.client.conversations.syncAll();
    expect(await bob.store.getMessage(first.id)).toBeUndefined();
    expect(await bob.store.getMessage(second.id)).toBeDefined();
    expect(texts(await bobGroupHandle.messages())).toEqual(['before the setting', 'second']);
    // Group updates never disappear (libxmtp expires application messages only).
    expect((await bobGroupHandle.messages()).filter((m) => m.kind === 'membershipChange').map((m) => m.id)).toEqual(updates);

    bob.at(second.sentAtNs + inNs);
    const shown = await bobGroupHandle.messages();
    expect(texts(shown)).toEqual(['before the setting']);
    // Paging counts only what is shown: with the newest message expired but still stored, a
    // page of one is the newest readable message.
    expect(await bob.store.getMessage(second.id)).toBeDefined();
    expect((await bobGroupHandle.messages({ limit: 1, direction: 'descending' })).map((m) => m.id)).toEqual([shown.at(-1)?.id]);
    await bobGroupHandle.sync();
    expect(await bob.store.getMessage(second.id)).toBeUndefined();
    expect(texts(await bobGroupHandle.messages())).toEqual(['before the setting']);
  });

  it('does not stream a message that arrives already expired', async () => {
    const alice = await newUser(network);
    const bob = await userWithClock(network);
    const fading = await alice.client.conversations.createGroup([bob.address], { messageDisappearingSettings: { fromNs: 1n, inNs: SECOND_NS } });
    const plain = await alice.client.conversations.createGroup([bob.address]);
    await bob.client.conversations.syncAll();
    // Half an hour on for bob: whatever the fading group carries is past its second.
    bob.at(nsFromDate(new Date()) + 1800n * SECOND_NS);
    const stream = bob.client.conversations.streamAllMessages();
    try {
      await fading.sendText('gone on arrival');
      await plain.sendText('kept');
      let next = (await stream.next()).value as DecodedMessage;
      while (next.kind !== 'application') next = (await stream.next()).value as DecodedMessage;
      expect(texts([next])).toEqual(['kept']);
      expect(next.conversationId).toBe(plain.id);
    } finally {
      await stream.return?.();
    }
  });

  it('settings made at DM creation reach the peer, and the peer\'s removal reaches the creator', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const settings = { fromNs: nsFromDate(new Date()), inNs: 3600n * SECOND_NS };
    const dm = await alice.client.conversations.createDm(bob.address, { messageDisappearingSettings: settings });
    expect(dm.messageDisappearingSettings()).toEqual(settings);
    await bob.client.conversations.syncAll();
    const bobDm = await bob.client.conversations.getDmByInboxId(alice.client.inboxId);
    expect(bobDm?.messageDisappearingSettings()).toEqual(settings);
    expect(bobDm?.isMessageDisappearingEnabled()).toBe(true);

    await bobDm!.removeMessageDisappearingSettings();
    await dm.sync();
    expect(dm.messageDisappearingSettings()).toEqual({ fromNs: 0n, inNs: 0n });
    expect(dm.isMessageDisappearingEnabled()).toBe(false);
  });

  it('refuses settings that are not i64 nanoseconds, and a group made with them carries them', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const group = await alice.client.conversations.createGroup([bob.address], { messageDisappearingSettings: { fromNs: 1n, inNs: 2n } });
    expect(group.messageDisappearingSettings()).toEqual({ fromNs: 1n, inNs: 2n });
    expect((await bobsGroup(bob, group.id)).messageDisappearingSettings()).toEqual({ fromNs: 1n, inNs: 2n });
    await expect(group.updateMessageDisappearingSettings(-1n, 5n)).rejects.toMatchObject({ code: 'Client.BadInput' });
    await expect(alice.client.conversations.createGroup([], { messageDisappearingSettings: { fromNs: 1n, inNs: 1n << 63n } })).rejects.toMatchObject({
      code: 'Client.BadInput',
    });
  });

  it('the client\'s timer deletes expired messages of loaded groups, and stops when the client closes', async () => {
    const alice = await newUser(network);
    const bob = await userWithClock(network);
    const group = await alice.client.conversations.createGroup([bob.address], { messageDisappearingSettings: { fromNs: 1n, inNs: SECOND_NS } });
    await group.sendText('short-lived');
    const bobGroupHandle = await bobsGroup(bob, group.id);
    const message = byText(await bobGroupHandle.messages(), 'short-lived');
    expect(bob.client.conversations.disappearingSweep.running).toBe(true);

    bob.at(message.sentAtNs + SECOND_NS);
    bob.client.conversations.disappearingSweep.start(20);
    const deadline = Date.now() + 10_000;
    while ((await bob.store.getMessage(message.id)) !== undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await bob.store.getMessage(message.id)).toBeUndefined();

    bob.client.close();
    expect(bob.client.conversations.disappearingSweep.running).toBe(false);
  });
});
