import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startTestNetwork, type TestNetwork } from './clientTestKit';

describe('a message looked up by id', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('is found in its own conversation with its sender, and not in another one', async () => {
    const alice = await newUser(network);
    const bob = await newUser(network);
    const group = await alice.client.conversations.createGroup([bob.address]);
    const other = await alice.client.conversations.createGroup([bob.address]);
    await bob.client.conversations.syncAll();
    const bobsGroup = await bob.client.conversations.getConversationById(group.id);
    const id = await bobsGroup!.sendText('which one?');
    await group.sync();

    const found = await group.message(id);
    expect(found?.senderInboxId).toBe(bob.client.inboxId);
    expect(found?.content).toEqual({ type: 'text', text: 'which one?' });
    expect(found?.conversationId).toBe(group.id);
    expect(await other.message(id)).toBeUndefined();
    expect(await group.message('00'.repeat(32))).toBeUndefined();
  });
});
