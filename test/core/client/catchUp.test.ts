import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Group } from '../../../src/core/client';
import { newUser, startTestNetwork, texts, type TestNetwork } from './clientTestKit';

describe('catching up', () => {
  let network: TestNetwork;
  beforeAll(async () => {
    network = await startTestNetwork();
  });
  afterAll(async () => {
    await network.stop();
  });

  it('a member offline for 100 messages and a rename catches up in order', async () => {
    const [alice, bob, carol] = await Promise.all([newUser(network), newUser(network), newUser(network)]);
    const group = await alice.client.conversations.createGroup([bob.address, carol.address]);
    for (const user of [bob, carol]) await user.client.conversations.sync();
    const bobGroup = (await bob.client.conversations.getConversationById(group.id)) as Group;
    const carolGroup = (await carol.client.conversations.getConversationById(group.id)) as Group;
    await bobGroup.sync();
    await carolGroup.sync();

    // Carol goes offline. Alice and Bob write 100 messages, with a rename half-way.
    const expected: string[] = [];
    for (let i = 0; i < 100; i++) {
      const text = `message ${i}`;
      expected.push(text);
      if (i % 10 < 5) {
        await group.sendText(text);
      } else {
        await bobGroup.sync();
        await bobGroup.sendText(text);
        await group.sync();
      }
      if (i === 50) await group.updateName('half way');
    }

    await carolGroup.sync();
    const messages = await carolGroup.messages();
    expect(texts(messages)).toEqual(expected);
    expect(messages.every((m) => m.error === undefined)).toBe(true);
    expect(carolGroup.name).toBe('half way');
    expect(carolGroup.epoch).toBe(group.epoch);
    // Catching up again adds nothing.
    await carolGroup.sync();
    expect(await carolGroup.messages()).toHaveLength(messages.length);
  }, 120_000);
});
