import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkApi } from '../../../src/core/api';
import { Client, createMemoryStore, type Group } from '../../../src/core/client';
import { generateWalletPrivateKey, privateKeySigner } from '../../../src/core/identity';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

/**
 * A NetworkApi whose next group-message query answers with what the node held before `gate`
 * resolved: the caller then builds its commit on an epoch another commit is about to take.
 */
function staleOnce(api: NetworkApi): { api: NetworkApi; arm(gate: Promise<unknown>): void } {
  let gate: Promise<unknown> | undefined;
  const wrapped: NetworkApi = Object.create(api) as NetworkApi;
  wrapped.queryGroupMessages = async (request, opts) => {
    const answer = await api.queryGroupMessages(request, opts);
    const waitFor = gate;
    gate = undefined;
    if (waitFor !== undefined) await waitFor;
    return answer;
  };
  return { api: wrapped, arm: (g) => (gate = g) };
}

describe('concurrent commits on one epoch', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('both commit; the first on the node wins; the loser retries on the new epoch; both converge', async () => {
    const alice = await newUser(network);
    const bobSigner = privateKeySigner(generateWalletPrivateKey());
    const bobApi = staleOnce(network.api());
    const bobClient = await Client.create(bobSigner, { api: bobApi.api, store: createMemoryStore() });

    const group = await alice.client.conversations.createGroup([bobClient.inboxId], { name: 'start' });
    await bobClient.conversations.sync();
    const bobGroup = (await bobClient.conversations.getConversationById(group.id)) as Group;
    await bobGroup.sync();
    // Bob self-updated on joining; Alice reads it first.
    await group.sync();
    const epoch = group.epoch;
    expect(bobGroup.epoch).toBe(epoch);

    // Bob reads the group before Alice's rename lands, then commits on the same epoch.
    const aliceRename = group.updateName('renamed by alice');
    bobApi.arm(aliceRename);
    await Promise.all([aliceRename, bobGroup.updateDescription('described by bob')]);

    // Three commits reached the node for these two changes: Alice's, Bob's loser, Bob's retry.
    const onNode = await network.api().queryGroupMessages({ groupId: Buffer.from(group.id, 'hex'), pagingInfo: undefined });
    // (Less the add and Bob's self-update on joining.)
    const commitsAfterJoin = onNode.messages.filter((m) => m.v1?.isCommit).length - 2;
    expect(commitsAfterJoin).toBe(3);

    await group.sync();
    for (const g of [group, bobGroup]) {
      expect(g.epoch).toBe(epoch + 2n);
      expect(g.name).toBe('renamed by alice');
      expect(g.description).toBe('described by bob');
    }
    // Not forked: they still read each other.
    await group.sendText('still together?');
    await bobGroup.sync();
    await bobGroup.sendText('yes');
    await group.sync();
    expect(texts(await group.messages())).toEqual(['still together?', 'yes']);
    expect(texts(await bobGroup.messages())).toEqual(['still together?', 'yes']);
  });
});
