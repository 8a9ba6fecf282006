import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedMessage, Group } from '../../../src/core/client';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from './clientTestKit';

async function joined(user: TestUser, groupId: string): Promise<Group> {
  await user.client.conversations.sync();
  const group = (await user.client.conversations.getConversationById(groupId)) as Group;
  await group.sync();
  return group;
}

describe('a removed member on retained epoch keys', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('alice removes mallory; mallory then posts on her old epoch; bob applies the commit and does not show it', async () => {
    const [alice, bob, mallory] = await Promise.all([newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address, mallory.address]);
    const bobGroup = await joined(bob, group.id);
    const malloryGroup = await joined(mallory, group.id);
    await malloryGroup.sendText('before the removal');

    await group.removeMembers([mallory.client.inboxId]);
    // Mallory has not synced: her client still holds the old epoch and sends on it, ordered after the commit.
    await malloryGroup.sendText('after the removal');
    await group.sendText('alice, after the removal');

    await bobGroup.sync();
    const shown = await bobGroup.messages();
    expect(texts(shown)).toEqual(['before the removal', 'alice, after the removal']);
    expect(shown.filter((m) => m.senderInboxId === mallory.client.inboxId && m.kind === 'application')).toHaveLength(1);
    const refused = bobGroup.refusedMessages;
    expect(refused.map((m) => [m.kind, m.error.code])).toEqual([['application', 'Mls.SenderRemoved']]);
    // Refused, not counted: the group's last activity is Alice's message, not Mallory's later one.
    expect(shown.at(-1)?.senderInboxId).toBe(alice.client.inboxId);
  });

  it('a message mallory sent before the removing commit, ordered before it, still shows after bob applies the commit', async () => {
    const [alice, bob, mallory] = await Promise.all([newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address, mallory.address]);
    const bobGroup = await joined(bob, group.id);
    const malloryGroup = await joined(mallory, group.id);
    const epoch = malloryGroup.epoch;

    // Both reach the node before Bob syncs: the message first, then the commit.
    await malloryGroup.sendText('sent in the old epoch');
    await group.removeMembers([mallory.client.inboxId]);

    await bobGroup.sync();
    expect(bobGroup.epoch).toBe(epoch + 1n);
    expect(texts(await bobGroup.messages())).toEqual(['sent in the old epoch']);
    expect(bobGroup.refusedMessages).toEqual([]);
  });

  it('a member who stays may still post on a retained epoch after a commit that removed someone else', async () => {
    const [alice, bob, carol, mallory] = await Promise.all([newUser(network), newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address, carol.address, mallory.address]);
    const bobGroup = await joined(bob, group.id);
    const carolGroup = await joined(carol, group.id);

    await group.removeMembers([mallory.client.inboxId]);
    // Carol has not synced the commit either: her message is on the old epoch, ordered after it.
    await carolGroup.sendText('carol, still a member');

    await bobGroup.sync();
    expect(texts(await bobGroup.messages())).toEqual(['carol, still a member']);
    expect(bobGroup.refusedMessages).toEqual([]);
  });
});

describe('garbage from a non-member', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('appears in no message list or stream, and only a bounded diagnostics list keeps it', async () => {
    const [alice, bob] = await Promise.all([newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address]);
    await group.sendText('genuine');
    const bobGroup = await joined(bob, group.id);
    const before = await bobGroup.messages();

    const stream = bob.client.conversations.streamAllMessages();
    const first: Promise<DecodedMessage | undefined> = (async () => {
      for await (const m of stream) return m;
      return undefined;
    })();
    // Anyone may publish to a group's topic: well-framed lookalikes of Alice's message (the node refuses what does not frame).
    const onNode = await network.api().queryGroupMessages({ groupId: Buffer.from(group.id, 'hex'), pagingInfo: undefined });
    // Newest first: Bob's self-update on joining, then Alice's 'genuine'.
    const original = onNode.messages.find((m) => m.v1?.isCommit === false)?.v1?.data;
    if (original === undefined) throw new Error('no message on the node');
    const garbage: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const damaged = new Uint8Array(original);
      damaged[damaged.length - 1 - i] = (damaged[damaged.length - 1 - i] ?? 0) ^ 0xff;
      garbage.push(damaged);
    }
    await network.api().sendGroupMessages({ messages: garbage.map((data) => ({ v1: { data, senderHmac: new Uint8Array(), shouldPush: true } })) });
    await group.sendText('the real one');

    await bobGroup.sync();
    expect((await first)?.content).toEqual({ type: 'text', text: 'the real one' });
    const after = await bobGroup.messages();
    expect(after.length).toBe(before.length + 1);
    expect(after.filter((m) => m.error !== undefined)).toEqual([]);
    expect(texts(after)).toEqual(['genuine', 'the real one']);
    const refused = bobGroup.refusedMessages;
    expect(refused.length).toBe(16);
    expect(refused.every((m) => m.senderInboxId === undefined)).toBe(true);
    expect(refused.every((m) => m.error.code === 'Mls.DecryptFailed')).toBe(true);
    // Only the newest are kept, oldest first.
    expect(refused.map((m) => m.sequenceId)).toEqual([...refused.map((m) => m.sequenceId)].sort((a, b) => (a < b ? -1 : 1)));
  });
});
