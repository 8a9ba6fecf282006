import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore, type Group } from '../../../src/core/client';
import { ParleyError } from '../../../src/core/errors';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

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
});
