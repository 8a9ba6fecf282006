import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore, type Group } from '../../../src/core/client';
import { loadGroupState, maxDeltaNodes } from '../../../src/core/client/groupState';
import { ParleyError } from '../../../src/core/errors';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, texts, type TestNetwork, type TestUser } from './clientTestKit';

/** A NetworkApi that fails the next group-message send, as a dropped connection would, after the node got nothing. */
function failingSends(api: NetworkApi): { api: NetworkApi; failNext(): void } {
  let fail = false;
  const wrapped: NetworkApi = Object.create(api) as NetworkApi;
  wrapped.sendGroupMessages = async (request, opts) => {
    if (fail) {
      fail = false;
      throw new ParleyError('Api.Network', 'connection dropped (test)');
    }
    return api.sendGroupMessages(request, opts);
  };
  return { api: wrapped, failNext: () => (fail = true) };
}

/** A NetworkApi whose node refuses, every time, the group-message bytes it was told to refuse next. */
function refusingSends(api: NetworkApi): { api: NetworkApi; refuseNext(): void } {
  let refuseNext = false;
  const refused = new Set<string>();
  const wrapped: NetworkApi = Object.create(api) as NetworkApi;
  wrapped.sendGroupMessages = async (request, opts) => {
    const data = request.messages[0]?.v1?.data;
    const key = data === undefined ? '' : Buffer.from(data).toString('hex');
    if (refuseNext) {
      refuseNext = false;
      refused.add(key);
    }
    if (refused.has(key)) throw new ParleyError('Api.InvalidArgument', 'refused (test)');
    return api.sendGroupMessages(request, opts);
  };
  return { api: wrapped, refuseNext: () => (refuseNext = true) };
}

describe('restarting a client over the same store', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('continues mid-conversation without a fork or a duplicate', async () => {
    const alice = await newUser(network);
    const bobSigner = privateKeySigner(generateWalletPrivateKey());
    const bobStore = createMemoryStore();
    const bob1 = await Client.create(bobSigner, { api: network.api(), store: bobStore });
    const group = await alice.client.conversations.createGroup([bob1.inboxId]);
    await bob1.conversations.sync();
    const bobGroup1 = (await bob1.conversations.getConversationById(group.id)) as Group;
    await bobGroup1.sync();
    await group.sendText('a1');
    await bobGroup1.sync();
    await bobGroup1.sendText('b1');

    // Bob's process ends; a new one opens the same store.
    const bob2 = await Client.create(bobSigner, { api: network.api(), store: bobStore });
    expect(bob2.installationId).toBe(bob1.installationId);
    const bobGroup2 = (await bob2.conversations.getConversationById(group.id)) as Group;
    await group.updateName('after restart');
    await group.sendText('a2');
    await bobGroup2.sync();
    await bobGroup2.sendText('b2');
    await group.sync();

    expect(bobGroup2.name).toBe('after restart');
    expect(texts(await bobGroup2.messages())).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(texts(await group.messages())).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(bobGroup2.epoch).toBe(group.epoch);
  });

  it('after many received messages and a rewritten secret-tree base, a restarted member reads the next message and never reuses a generation', async () => {
    const alice = await newUser(network);
    const bobSigner = privateKeySigner(generateWalletPrivateKey());
    const bobStore = createMemoryStore();
    const bob1 = await Client.create(bobSigner, { api: network.api(), store: bobStore });
    const others: TestUser[] = [];
    for (let i = 0; i < 3; i++) others.push(await newUser(network));
    const group = await alice.client.conversations.createGroup([bob1.inboxId, ...others.map((u) => u.client.inboxId)]);
    const copies: Group[] = [];
    for (const user of others) {
      await user.client.conversations.sync();
      copies.push((await user.client.conversations.getConversationById(group.id)) as Group);
    }
    await bob1.conversations.sync();
    const bobGroup1 = (await bob1.conversations.getConversationById(group.id)) as Group;
    // Each joiner self-updated: everyone catches up on those epochs before talking (a sender more
    // than 3 epochs behind would be unreadable, as in libxmtp).
    for (const conversation of [group, ...copies]) await conversation.sync();
    const expected: string[] = [];
    const say = async (conversation: Group, text: string) => {
      await conversation.sendText(text);
      expected.push(text);
      await bobGroup1.sync();
    };
    // Every member ratchets its own leaf's node in Bob's secret tree: more than the per-message record keeps.
    for (let round = 0; round < 3; round++) {
      await say(group, `alice ${round}`);
      for (const [i, copy] of copies.entries()) await say(copy, `member ${i} ${round}`);
      await say(bobGroup1, `bob ${round}`);
    }
    const stored = await loadGroupState(bobStore, group.id);
    // Five senders: more changed nodes than the per-message record keeps, so the base was rewritten.
    expect(maxDeltaNodes(stored!.state.secretTree.length)).toBeLessThan(5);
    expect(stored!.persisted.secretBase!.serial).toBeGreaterThan(1);

    // Bob's process ends after a message received and one sent since the base; a new one opens the same store.
    await say(group, 'alice before the restart');
    await bobGroup1.sendText('bob before the restart');
    expected.push('bob before the restart');
    const bob2 = await Client.create(bobSigner, { api: network.api(), store: bobStore });
    const bobGroup2 = (await bob2.conversations.getConversationById(group.id)) as Group;
    await group.sendText('alice after the restart');
    expected.push('alice after the restart');
    await bobGroup2.sync();
    for (let i = 0; i < 3; i++) {
      await bobGroup2.sendText(`bob after the restart ${i}`);
      expected.push(`bob after the restart ${i}`);
    }
    await group.sync();
    await copies[0]!.sync();

    expect(texts(await bobGroup2.messages())).toEqual(expected);
    // A reused generation would reach Alice and the others as unreadable messages.
    for (const conversation of [group, copies[0]!]) {
      const messages = await conversation.messages();
      expect(messages.filter((m) => m.error !== undefined)).toEqual([]);
      expect(texts(messages)).toEqual(expected);
    }
  });

  it('re-sends the stored bytes of a send that failed before a crash, once', async () => {
    const alice = await newUser(network);
    const bobSigner = privateKeySigner(generateWalletPrivateKey());
    const bobStore = createMemoryStore();
    const flaky = failingSends(network.api());
    const bob1 = await Client.create(bobSigner, { api: flaky.api, store: bobStore });
    const dm = await alice.client.conversations.createDm(bob1.inboxId);
    await bob1.conversations.sync();
    const bobDm1 = await bob1.conversations.getConversationById(dm.id);
    if (bobDm1 === undefined) throw new Error('bob did not join');

    flaky.failNext();
    await expect(bobDm1.sendText('lost in transit?')).rejects.toMatchObject({ code: 'Api.Network' });
    const pending = await bobDm1.messages();
    expect(pending.map((m) => [m.deliveryStatus, m.content])).toContainEqual(['unpublished', { type: 'text', text: 'lost in transit?' }]);

    const bob2 = await Client.create(bobSigner, { api: network.api(), store: bobStore });
    const bobDm2 = await bob2.conversations.getConversationById(dm.id);
    if (bobDm2 === undefined) throw new Error('bob lost the DM');
    await bobDm2.sync();
    await bobDm2.sendText('and another');
    await bobDm2.sync();
    await dm.sync();
    expect(texts(await dm.messages())).toEqual(['lost in transit?', 'and another']);
    const mine = (await bobDm2.messages()).filter((m) => m.kind === 'application');
    expect(mine.map((m) => m.deliveryStatus)).toEqual(['published', 'published']);
    expect(mine.every((m) => m.sequenceId !== undefined)).toBe(true);
  });

  it('publishes a message stored before a crash ahead of the next one, with no sync between', async () => {
    const alice = await newUser(network);
    const bobSigner = privateKeySigner(generateWalletPrivateKey());
    const bobStore = createMemoryStore();
    const flaky = failingSends(network.api());
    const bob1 = await Client.create(bobSigner, { api: flaky.api, store: bobStore });
    const dm = await alice.client.conversations.createDm(bob1.inboxId);
    await bob1.conversations.sync();
    const bobDm1 = await bob1.conversations.getConversationById(dm.id);
    if (bobDm1 === undefined) throw new Error('bob did not join');
    await bobDm1.sendText('first');
    flaky.failNext();
    await expect(bobDm1.sendText('stored, never sent')).rejects.toMatchObject({ code: 'Api.Network' });

    // A new process over the store sends at once, as a dApp's retry after a restart does.
    const bob2 = await Client.create(bobSigner, { api: network.api(), store: bobStore });
    const bobDm2 = await bob2.conversations.getConversationById(dm.id);
    if (bobDm2 === undefined) throw new Error('bob lost the DM');
    await bobDm2.sendText('sent after the restart');
    await dm.sync();
    expect(texts(await dm.messages())).toEqual(['first', 'stored, never sent', 'sent after the restart']);
    const mine = (await bobDm2.messages()).filter((m) => m.kind === 'application');
    expect(mine.map((m) => m.deliveryStatus)).toEqual(['published', 'published', 'published']);
    // A later sync does not send the stored bytes a second time.
    await bobDm2.sync();
    await dm.sync();
    expect(texts(await dm.messages())).toEqual(['first', 'stored, never sent', 'sent after the restart']);
  });

  it('marks a stored message the node refuses as failed instead of letting it block the next send', async () => {
    const alice = await newUser(network);
    const refusing = refusingSends(network.api());
    const bob = await Client.create(privateKeySigner(generateWalletPrivateKey()), { api: refusing.api, store: createMemoryStore() });
    const dm = await alice.client.conversations.createDm(bob.inboxId);
    await bob.conversations.sync();
    const bobDm = await bob.conversations.getConversationById(dm.id);
    if (bobDm === undefined) throw new Error('bob did not join');
    refusing.refuseNext();
    await expect(bobDm.sendText('refused')).rejects.toMatchObject({ code: 'Client.PublishFailed' });
    await bobDm.sendText('next');
    await dm.sync();
    expect(texts(await dm.messages())).toEqual(['next']);
    const mine = (await bobDm.messages()).filter((m) => m.kind === 'application');
    expect(mine.map((m) => [m.content, m.deliveryStatus])).toEqual([
      [{ type: 'text', text: 'refused' }, 'failed'],
      [{ type: 'text', text: 'next' }, 'published'],
    ]);
  });
});
